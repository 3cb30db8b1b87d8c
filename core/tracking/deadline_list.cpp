#include "core/tracking/deadline_list.h"

namespace varta {

void DeadlineList::pushBack(ListId list, Slot slot) noexcept {
    AgentRecord &record = m_table.at(slot);
    Ends &ends = m_ends[list];
    record.list = list;
    record.prev = ends.tail;
    record.next = kNoSlot;
    if (ends.tail == kNoSlot)
        ends.head = slot;
    else
        m_table.at(ends.tail).next = slot;
    ends.tail = slot;
    ++ends.size;
}

void DeadlineList::remove(Slot slot) noexcept {
    AgentRecord &record = m_table.at(slot);
    if (record.list == None)
        return;
    Ends &ends = m_ends[record.list];
    if (record.prev == kNoSlot)
        ends.head = record.next;
    else
        m_table.at(record.prev).next = record.next;
    if (record.next == kNoSlot)
        ends.tail = record.prev;
    else
        m_table.at(record.next).prev = record.prev;
    record.prev = record.next = kNoSlot;
    record.list = None;
    --ends.size;
}

}  // namespace varta
