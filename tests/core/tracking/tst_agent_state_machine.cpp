// Every (state, event) edge of the agent state machine, as a table.
#include "core/tracking/agent_state_machine.h"

#include <QTest>

using namespace varta;

Q_DECLARE_METATYPE(varta::AgentEvent)
Q_DECLARE_METATYPE(varta::AgentState)
Q_DECLARE_METATYPE(varta::AgentCondition)
Q_DECLARE_METATYPE(varta::RecoveryMark)

namespace {

// A representative condition for each displayed state. Stalled/Recovering/... are
// built on an agent that went silent, the common case; "alive" variants are added
// where the difference matters.
struct Named {
    const char *name;
    AgentCondition condition;
};

using M = RecoveryMark;
const Named kStarts[] = {
    {"up", {vlp::Status::Ok, false, M::None}},
    {"degraded", {vlp::Status::Degraded, false, M::None}},
    {"critical", {vlp::Status::Critical, false, M::None}},
    {"stalled", {vlp::Status::Ok, true, M::None}},
    {"recovering(silent)", {vlp::Status::Ok, true, M::Recovering}},
    {"recovering(beating again)", {vlp::Status::Ok, false, M::Recovering}},
    {"gave_up(silent)", {vlp::Status::Ok, true, M::GaveUp}},
    {"gave_up(beating again)", {vlp::Status::Degraded, false, M::GaveUp}},
    {"paused(beating)", {vlp::Status::Ok, false, M::Paused}},
    {"paused(silent)", {vlp::Status::Ok, true, M::Paused}},
    {"exited", {vlp::Status::Ok, true, M::None, true, false}},
    {"exited(recovering)", {vlp::Status::Ok, true, M::Recovering, true, false}},
    {"replaced(paused)", {vlp::Status::Ok, true, M::Paused, false, true}},
};

const char *eventName(AgentEvent e) {
    static const char *names[] = {"BeatOk", "BeatDegraded", "BeatCritical", "Silence", "Exit", "Replacement"};
    return names[static_cast<int>(e)];
}

}  // namespace

class TestAgentStateMachine : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void displayedStateFollowsPriority_data() {
        QTest::addColumn<AgentCondition>("condition");
        QTest::addColumn<AgentState>("expected");
        for (const Named &n : kStarts) {
            const AgentCondition &c = n.condition;
            AgentState expected = c.replaced                          ? AgentState::Replaced
                                  : c.mark == M::Paused               ? AgentState::Paused
                                  : c.mark == M::GaveUp               ? AgentState::GaveUp
                                  : c.mark == M::Recovering           ? AgentState::Recovering
                                  : c.exited                          ? AgentState::Exited
                                  : c.silent                          ? AgentState::Stalled
                                  : c.status == vlp::Status::Degraded ? AgentState::Degraded
                                  : c.status == vlp::Status::Critical ? AgentState::Critical
                                                                      : AgentState::Up;
            QTest::newRow(n.name) << c << expected;
        }
    }
    void displayedStateFollowsPriority() {
        QFETCH(AgentCondition, condition);
        QFETCH(AgentState, expected);
        QCOMPARE(displayedState(condition), expected);
    }

    // The spec of every edge, written out by hand.
    void everyEdge_data() {
        QTest::addColumn<AgentCondition>("start");
        QTest::addColumn<AgentEvent>("event");
        QTest::addColumn<AgentState>("expected");
        using S = AgentState;
        using E = AgentEvent;
        // expected[start][event], events in enum order: BeatOk BeatDegraded BeatCritical
        // Silence Exit Replacement. A mark outranks every beat; without one, the beat (or
        // its absence) decides. No beat undoes an exit, and a replacement outranks all.
        const S table[][kAgentEventCount] = {
            /* up */ {S::Up, S::Degraded, S::Critical, S::Stalled, S::Exited, S::Replaced},
            /* degraded */ {S::Up, S::Degraded, S::Critical, S::Stalled, S::Exited, S::Replaced},
            /* critical */ {S::Up, S::Degraded, S::Critical, S::Stalled, S::Exited, S::Replaced},
            /* stalled */ {S::Up, S::Degraded, S::Critical, S::Stalled, S::Exited, S::Replaced},
            /* recovering(silent) */
            {S::Recovering, S::Recovering, S::Recovering, S::Recovering, S::Recovering, S::Replaced},
            /* recovering(beating) */
            {S::Recovering, S::Recovering, S::Recovering, S::Recovering, S::Recovering, S::Replaced},
            /* gave_up(silent) */ {S::GaveUp, S::GaveUp, S::GaveUp, S::GaveUp, S::GaveUp, S::Replaced},
            /* gave_up(beating) */ {S::GaveUp, S::GaveUp, S::GaveUp, S::GaveUp, S::GaveUp, S::Replaced},
            /* paused(beating) */ {S::Paused, S::Paused, S::Paused, S::Paused, S::Paused, S::Replaced},
            /* paused(silent) */ {S::Paused, S::Paused, S::Paused, S::Paused, S::Paused, S::Replaced},
            /* exited */ {S::Exited, S::Exited, S::Exited, S::Exited, S::Exited, S::Replaced},
            /* exited(recovering) */
            {S::Recovering, S::Recovering, S::Recovering, S::Recovering, S::Recovering, S::Replaced},
            /* replaced(paused) */ {S::Replaced, S::Replaced, S::Replaced, S::Replaced, S::Replaced, S::Replaced},
        };
        for (std::size_t s = 0; s < std::size(kStarts); ++s) {
            for (int e = 0; e < kAgentEventCount; ++e) {
                QTest::addRow("%s + %s", kStarts[s].name, eventName(static_cast<E>(e)))
                    << kStarts[s].condition << static_cast<E>(e) << table[s][e];
            }
        }
    }
    void everyEdge() {
        QFETCH(AgentCondition, start);
        QFETCH(AgentEvent, event);
        QFETCH(AgentState, expected);
        QCOMPARE(displayedState(applyEvent(start, event)), expected);
    }

    // The recovery side's verdict changes (a child starts or ends, pause, resume,
    // re-arm): the new mark decides, and without one the beats underneath show again.
    void everyMarkChange_data() {
        QTest::addColumn<AgentCondition>("start");
        QTest::addColumn<RecoveryMark>("mark");
        QTest::addColumn<AgentState>("expected");
        using S = AgentState;
        // What each start shows once its mark is cleared: its beats, or its silence.
        const S underneath[] = {S::Up,       S::Degraded, S::Critical, S::Stalled, S::Stalled, S::Up,      S::Stalled,
                                S::Degraded, S::Up,       S::Stalled,  S::Exited,  S::Exited,  S::Replaced};
        const std::pair<RecoveryMark, const char *> marks[] = {
            {M::None, "None"}, {M::Recovering, "Recovering"}, {M::GaveUp, "GaveUp"}, {M::Paused, "Paused"}};
        for (std::size_t s = 0; s < std::size(kStarts); ++s) {
            for (const auto &[mark, name] : marks) {
                const S expected = kStarts[s].condition.replaced ? S::Replaced
                                   : mark == M::None             ? underneath[s]
                                   : mark == M::Recovering       ? S::Recovering
                                   : mark == M::GaveUp           ? S::GaveUp
                                                                 : S::Paused;
                QTest::addRow("%s -> %s", kStarts[s].name, name) << kStarts[s].condition << mark << expected;
            }
        }
    }
    void everyMarkChange() {
        QFETCH(AgentCondition, start);
        QFETCH(RecoveryMark, mark);
        QFETCH(AgentState, expected);
        AgentCondition next = start;
        next.mark = mark;
        QCOMPARE(displayedState(next), expected);
    }

    void beatEventFollowsStatus() {
        QCOMPARE(beatEvent(vlp::Status::Ok), AgentEvent::BeatOk);
        QCOMPARE(beatEvent(vlp::Status::Degraded), AgentEvent::BeatDegraded);
        QCOMPARE(beatEvent(vlp::Status::Critical), AgentEvent::BeatCritical);
    }

    void stateNamesAreStable() {
        QCOMPARE(agentStateName(AgentState::Up), "up");
        QCOMPARE(agentStateName(AgentState::GaveUp), "gave_up");
        QCOMPARE(agentStateName(AgentState::Paused), "paused");
        QCOMPARE(agentStateName(AgentState::Exited), "exited");
        QCOMPARE(agentStateName(AgentState::Replaced), "replaced");
    }
};

QTEST_GUILESS_MAIN(TestAgentStateMachine)
#include "tst_agent_state_machine.moc"
