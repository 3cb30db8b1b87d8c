// Every (state, event) edge of the agent state machine, as a table.
#include "core/tracking/agent_state_machine.h"

#include <QTest>

using namespace varta;

Q_DECLARE_METATYPE(varta::AgentEvent)
Q_DECLARE_METATYPE(varta::AgentState)
Q_DECLARE_METATYPE(varta::AgentCondition)

namespace {

// A representative condition for each displayed state. Stalled/Recovering/... are
// built on an agent that went silent, the common case; "alive" variants are added
// where the difference matters.
struct Named {
    const char *name;
    AgentCondition condition;
};

const Named kStarts[] = {
    {"up", {vlp::Status::Ok, false, false, false, false}},
    {"degraded", {vlp::Status::Degraded, false, false, false, false}},
    {"critical", {vlp::Status::Critical, false, false, false, false}},
    {"stalled", {vlp::Status::Ok, true, false, false, false}},
    {"recovering(silent)", {vlp::Status::Ok, true, true, false, false}},
    {"recovering(beating again)", {vlp::Status::Ok, false, true, false, false}},
    {"gave_up(silent)", {vlp::Status::Ok, true, false, true, false}},
    {"gave_up(beating again)", {vlp::Status::Degraded, false, false, true, false}},
    {"paused(beating)", {vlp::Status::Ok, false, false, false, true}},
    {"paused(silent)", {vlp::Status::Ok, true, false, false, true}},
};

const char *eventName(AgentEvent e) {
    static const char *names[] = {"BeatOk",        "BeatDegraded", "BeatCritical", "Silence", "RecoveryStarted",
                                  "RecoveryEnded", "GaveUp",       "Rearm",        "Pause",   "Resume"};
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
            AgentState expected = c.paused                            ? AgentState::Paused
                                  : c.gaveUp                          ? AgentState::GaveUp
                                  : c.recovering                      ? AgentState::Recovering
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
        // expected[start][event], events in enum order:
        //  BeatOk BeatDeg BeatCrit Silence RecStart RecEnd GaveUp Rearm Pause Resume
        const S table[][kAgentEventCount] = {
            /* up */ {S::Up, S::Degraded, S::Critical, S::Stalled, S::Recovering, S::Up, S::GaveUp, S::Up, S::Paused,
                      S::Up},
            /* degraded */
            {S::Up, S::Degraded, S::Critical, S::Stalled, S::Recovering, S::Degraded, S::GaveUp, S::Degraded, S::Paused,
             S::Degraded},
            /* critical */
            {S::Up, S::Degraded, S::Critical, S::Stalled, S::Recovering, S::Critical, S::GaveUp, S::Critical, S::Paused,
             S::Critical},
            /* stalled */
            {S::Up, S::Degraded, S::Critical, S::Stalled, S::Recovering, S::Stalled, S::GaveUp, S::Stalled, S::Paused,
             S::Stalled},
            /* recovering(silent) */
            {S::Recovering, S::Recovering, S::Recovering, S::Recovering, S::Recovering, S::Stalled, S::GaveUp,
             S::Recovering, S::Paused, S::Recovering},
            /* recovering(beating) */
            {S::Recovering, S::Recovering, S::Recovering, S::Recovering, S::Recovering, S::Up, S::GaveUp, S::Recovering,
             S::Paused, S::Recovering},
            /* gave_up(silent) */
            {S::GaveUp, S::GaveUp, S::GaveUp, S::GaveUp, S::GaveUp, S::GaveUp, S::GaveUp, S::Stalled, S::Paused,
             S::GaveUp},
            /* gave_up(beating) */
            {S::GaveUp, S::GaveUp, S::GaveUp, S::GaveUp, S::GaveUp, S::GaveUp, S::GaveUp, S::Degraded, S::Paused,
             S::GaveUp},
            /* paused(beating) */
            {S::Paused, S::Paused, S::Paused, S::Paused, S::Paused, S::Paused, S::Paused, S::Paused, S::Paused, S::Up},
            /* paused(silent) */
            {S::Paused, S::Paused, S::Paused, S::Paused, S::Paused, S::Paused, S::Paused, S::Paused, S::Paused,
             S::Stalled},
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

    void beatEventFollowsStatus() {
        QCOMPARE(beatEvent(vlp::Status::Ok), AgentEvent::BeatOk);
        QCOMPARE(beatEvent(vlp::Status::Degraded), AgentEvent::BeatDegraded);
        QCOMPARE(beatEvent(vlp::Status::Critical), AgentEvent::BeatCritical);
    }

    void stateNamesAreStable() {
        QCOMPARE(agentStateName(AgentState::Up), "up");
        QCOMPARE(agentStateName(AgentState::GaveUp), "gave_up");
        QCOMPARE(agentStateName(AgentState::Paused), "paused");
    }
};

QTEST_GUILESS_MAIN(TestAgentStateMachine)
#include "tst_agent_state_machine.moc"
