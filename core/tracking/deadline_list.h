#pragma once
// Stall deadlines without a timer per agent. The threshold is the same for every agent,
// so "last accepted beat + threshold" orders agents exactly as their last beats do: an
// intrusive list that moves an agent to its tail on every accepted beat is always sorted
// by deadline. The head is the next stall; arming one timer at it makes detection
// deadline-exact at O(1) per beat. Surfaced stalls move, in the same order, to a second
// list whose head is the longest-silent agent (the eviction candidate).

#include "core/tracking/agent_table.h"

namespace varta {

class DeadlineList {
public:
    enum ListId : std::uint8_t { None = 0, Beating = 1, Stalled = 2 };

    explicit DeadlineList(AgentTable &table) : m_table(table) {}

    void pushBack(ListId list, Slot slot) noexcept;
    void remove(Slot slot) noexcept;  // from whichever list it is on
    Slot head(ListId list) const noexcept { return m_ends[list].head; }
    Slot next(Slot slot) const noexcept { return m_table.at(slot).next; }
    std::uint32_t size(ListId list) const noexcept { return m_ends[list].size; }
    // Moving an agent to the tail rewrites its two neighbours' links; a batch of beats
    // starts loading them early (see IngestPipeline::onDatagrams).
    void prefetchNeighbours(Slot slot) const noexcept {
        const AgentRecord &record = m_table.at(slot);
        if (record.prev != kNoSlot)
            prefetchForWrite(&m_table.at(record.prev).next);
        if (record.next != kNoSlot)
            prefetchForWrite(&m_table.at(record.next).prev);
    }

private:
    struct Ends {
        Slot head = kNoSlot;
        Slot tail = kNoSlot;
        std::uint32_t size = 0;
    };
    AgentTable &m_table;
    Ends m_ends[3];
};

}  // namespace varta
