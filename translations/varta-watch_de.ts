<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>varta::Engine</name>
    <message>
        <source>agent %1 (%2) evicted to make room</source>
        <translation>Agent %1 (%2) verdrängt, um Platz zu schaffen</translation>
    </message>
    <message>
        <source>agent %1 (%2) replaced by %3: the same local pid over a stronger transport</source>
        <translation>Agent %1 (%2) durch %3 ersetzt: dieselbe lokale PID über einen stärkeren Transportweg</translation>
    </message>
    <message>
        <source>%1 malformed datagrams in the last %2 s: %3</source>
        <translation>%1 fehlerhafte Datagramme in den letzten %2 s: %3</translation>
    </message>
    <message>
        <source>pid %1 (%2) is back after %3 s silent</source>
        <translation>PID %1 (%2) ist nach %3 s Stille zurück</translation>
    </message>
    <message>
        <source>%1: %2 %3: %4</source>
        <translation>%1: %2 %3: %4</translation>
    </message>
    <message>
        <source>pid %1 (%2) stalled: silent for %3 s</source>
        <translation>PID %1 (%2) verstummt: seit %3 s still</translation>
    </message>
    <message>
        <source>%1 restarted: pid %2 → pid %3</source>
        <translation>%1 neu gestartet: PID %2 → PID %3</translation>
    </message>
    <message>
        <source>pid %1 (%2) belongs to a new process: tracked as a new agent</source>
        <translation>PID %1 (%2) gehört einem neuen Prozess: als neuer Agent verfolgt</translation>
    </message>
    <message>
        <source>pid %1 (%2) exited, %3 s after its last beat</source>
        <translation>PID %1 (%2) beendet, %3 s nach seinem letzten Herzschlag</translation>
    </message>
    <message>
        <source>pid %1 (%2) forgotten: %3 %4 s ago</source>
        <translation>PID %1 (%2) vergessen: vor %4 s %3</translation>
    </message>
    <message>
        <source>replaced</source>
        <translation>ersetzt</translation>
    </message>
    <message>
        <source>exited</source>
        <translation>beendet</translation>
    </message>
    <message>
        <source>pid %1 (%2) fell silent and its pid now belongs to another process: retired, not recovered</source>
        <translation>PID %1 (%2) verstummte, und seine PID gehört jetzt einem anderen Prozess: ausgemustert, nicht wiederhergestellt</translation>
    </message>
</context>
<context>
    <name>varta::EventStream</name>
    <message>
        <source>... and %1 more %2 in the last second</source>
        <translation>… und %1 weitere %2 in der letzten Sekunde</translation>
    </message>
</context>
<context>
    <name>varta::RecoveryEngine</name>
    <message>
        <source>pid %1 (%2)</source>
        <translation>PID %1 (%2)</translation>
    </message>
    <message>
        <source>no recovery command configured</source>
        <translation>kein Wiederherstellungsbefehl konfiguriert</translation>
    </message>
    <message>
        <source>shutting down</source>
        <translation>wird beendet</translation>
    </message>
    <message>
        <source>gave up on %1: %2 recoveries within %3 ms did not help; re-arm it to recover again</source>
        <translation>%1 aufgegeben: %2 Wiederherstellungen innerhalb von %3 ms haben nicht geholfen; schalten Sie den Agenten wieder scharf, um erneut wiederherzustellen</translation>
    </message>
    <message>
        <source>manual recovery of %1: started child %2 (pid %3): %4</source>
        <translation>Manuelle Wiederherstellung von %1: Wiederherstellungsprozess %2 (PID %3) gestartet: %4</translation>
    </message>
    <message>
        <source>automatic recovery of %1: started child %2 (pid %3): %4</source>
        <translation>Automatische Wiederherstellung von %1: Wiederherstellungsprozess %2 (PID %3) gestartet: %4</translation>
    </message>
    <message>
        <source>exited with code %1</source>
        <translation>mit Code %1 beendet</translation>
    </message>
    <message>
        <source>died by signal %1</source>
        <translation>durch Signal %1 beendet</translation>
    </message>
    <message>
        <source>%1 after its timeout</source>
        <translation>%1, nachdem seine Zeit abgelaufen war</translation>
    </message>
    <message>
        <source>the pause of %1 (by %2) ended at its expiry; recovery applies again</source>
        <translation>die Pause von %1 (durch %2) ist abgelaufen; die Wiederherstellung gilt wieder</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>unbekannt</translation>
    </message>
    <message>
        <source>recovery of %1 refused: %2 (%3)</source>
        <translation>Wiederherstellung von %1 abgelehnt: %2 (%3)</translation>
    </message>
    <message>
        <source>recovery child %1 for %2 could not start: %3</source>
        <translation>Wiederherstellungsprozess %1 für %2 konnte nicht starten: %3</translation>
    </message>
    <message>
        <source>%1 paused by %2</source>
        <translation>%1 pausiert durch %2</translation>
    </message>
    <message>
        <source>the operator</source>
        <translation>den Bediener</translation>
    </message>
    <message>
        <source>: %1</source>
        <translation>: %1</translation>
    </message>
    <message>
        <source> (until %1)</source>
        <translation> (bis %1)</translation>
    </message>
    <message>
        <source>%1 resumed by %2; recovery applies again</source>
        <translation>%1 fortgesetzt durch %2; die Wiederherstellung gilt wieder</translation>
    </message>
    <message>
        <source>%1 re-armed by %2: it had given up; its past attempts are forgotten</source>
        <translation>%1 wieder scharf geschaltet durch %2: er hatte aufgegeben; seine bisherigen Versuche sind vergessen</translation>
    </message>
    <message>
        <source>%1 re-armed by %2: its past attempts are forgotten</source>
        <translation>%1 wieder scharf geschaltet durch %2: seine bisherigen Versuche sind vergessen</translation>
    </message>
    <message>
        <source>%1 (killed by the operator)</source>
        <translation>%1 (vom Bediener abgebrochen)</translation>
    </message>
    <message>
        <source>%1 (stopped by shutdown)</source>
        <translation>%1 (beim Herunterfahren beendet)</translation>
    </message>
    <message>
        <source>recovery child %1 for %2 %3 after %4 s, %5 bytes kept%6</source>
        <translation>Wiederherstellungsprozess %1 für %2 %3 nach %4 s, %5 Bytes aufbewahrt%6</translation>
    </message>
    <message>
        <source> (truncated)</source>
        <translation> (abgeschnitten)</translation>
    </message>
    <message>
        <source>; output: %1</source>
        <translation>; Ausgabe: %1</translation>
    </message>
</context>
<context>
    <name>varta::RemoteEngineLink</name>
    <message>
        <source>no observer&apos;s socket there</source>
        <translation>dort ist kein Socket eines Beobachters</translation>
    </message>
    <message>
        <source>connection refused</source>
        <translation>Verbindung abgelehnt</translation>
    </message>
    <message>
        <source>the observer closed the connection</source>
        <translation>der Beobachter hat die Verbindung geschlossen</translation>
    </message>
    <message>
        <source>permission denied</source>
        <translation>Zugriff verweigert</translation>
    </message>
    <message>
        <source>timed out</source>
        <translation>Zeit überschritten</translation>
    </message>
    <message>
        <source>socket error %1</source>
        <translation>Socket-Fehler %1</translation>
    </message>
    <message>
        <source>Observer %1 sent a message the console cannot read (%2); it was dropped, and any more are only counted</source>
        <translation>Beobachter %1 hat eine Nachricht gesendet, die die Konsole nicht lesen kann (%2); sie wurde verworfen, weitere werden nur gezählt</translation>
    </message>
    <message>
        <source>refused: %1</source>
        <translation>abgelehnt: %1</translation>
    </message>
    <message>
        <source>%1 on observer %2 was refused: %3</source>
        <translation>%1 auf Beobachter %2 wurde abgelehnt: %3</translation>
    </message>
    <message>
        <source>Observer %1 is back: %2 agents</source>
        <translation>Beobachter %1 ist wieder da: %2 Agenten</translation>
    </message>
    <message numerus="yes">
        <source>Lost observer %1 (%2); its %n agent(s) are of unknown state until it is back; retrying in %3 s</source>
        <translation>
            <numerusform>Beobachter %1 verloren (%2); der Zustand seines %n Agenten ist unbekannt, bis er wieder da ist; neuer Versuch in %3 s</numerusform>
            <numerusform>Beobachter %1 verloren (%2); der Zustand seiner %n Agenten ist unbekannt, bis er wieder da ist; neuer Versuch in %3 s</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 on observer %2: no answer before the connection was lost; it may or may not have been carried out</source>
        <translation>%1 auf Beobachter %2: keine Antwort, bevor die Verbindung verloren ging; vielleicht wurde es ausgeführt, vielleicht nicht</translation>
    </message>
    <message>
        <source>%1 not sent: observer %2 is not connected (%3)</source>
        <translation>%1 nicht gesendet: Beobachter %2 ist nicht verbunden (%3)</translation>
    </message>
    <message>
        <source>connecting</source>
        <translation>verbinde</translation>
    </message>
    <message>
        <source>%1 not sent: observer %2 has not answered %3 earlier commands yet</source>
        <translation>%1 nicht gesendet: Beobachter %2 hat %3 frühere Befehle noch nicht beantwortet</translation>
    </message>
    <message>
        <source>Recover now</source>
        <translation>Jetzt wiederherstellen</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>Pausieren</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>Fortsetzen</translation>
    </message>
    <message>
        <source>Re-arm</source>
        <translation>Wieder scharf schalten</translation>
    </message>
    <message>
        <source>Kill child</source>
        <translation>Kindprozess beenden</translation>
    </message>
</context>
<context>
    <name>varta::ui</name>
    <message>
        <source>%1: connected (view only)</source>
        <translation>%1: verbunden (nur ansehen)</translation>
    </message>
    <message>
        <source>%1: connected</source>
        <translation>%1: verbunden</translation>
    </message>
    <message>
        <source>%1: connecting…</source>
        <translation>%1: verbinde…</translation>
    </message>
    <message>
        <source>%1: reconnecting in %2 s (%3)</source>
        <translation>%1: neue Verbindung in %2 s (%3)</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
</context>
<context>
    <name>varta::ui::AgentActions</name>
    <message>
        <source>Recover now</source>
        <translation>Jetzt wiederherstellen</translation>
    </message>
    <message>
        <source>Kill recovery child %1 and its process group</source>
        <translation>Wiederherstellungsprozess %1 samt Prozessgruppe beenden</translation>
    </message>
    <message>
        <source>Select a running recovery child in the children table to kill it.</source>
        <translation>Wählen Sie einen laufenden Wiederherstellungsprozess in der Prozesstabelle aus, um ihn zu beenden.</translation>
    </message>
    <message>
        <source>Put the selected agents in maintenance: tracked, never recovered</source>
        <translation>Ausgewählte Agenten in Wartung versetzen: weiter überwacht, nie wiederhergestellt</translation>
    </message>
    <message>
        <source>The selected agents are already paused.</source>
        <translation>Die ausgewählten Agenten sind bereits pausiert.</translation>
    </message>
    <message>
        <source>End maintenance for the selected paused agents</source>
        <translation>Wartung der ausgewählten pausierten Agenten beenden</translation>
    </message>
    <message>
        <source>None of the selected agents is paused.</source>
        <translation>Keiner der ausgewählten Agenten ist pausiert.</translation>
    </message>
    <message>
        <source>Allow recovery again for the selected agents that gave up</source>
        <translation>Wiederherstellung für die ausgewählten aufgegebenen Agenten wieder erlauben</translation>
    </message>
    <message>
        <source>Only agents that gave up need re-arming; none is selected.</source>
        <translation>Nur aufgegebene Agenten müssen wieder scharf geschaltet werden; keiner ist ausgewählt.</translation>
    </message>
    <message>
        <source>Select one or more agents in the table first.</source>
        <translation>Wählen Sie zuerst einen oder mehrere Agenten in der Tabelle aus.</translation>
    </message>
    <message>
        <source>Recovery is not configured: start varta-watch with --recovery-exec or --recovery-exec-file.</source>
        <translation>Wiederherstellung ist nicht eingerichtet: starten Sie varta-watch mit --recovery-exec oder --recovery-exec-file.</translation>
    </message>
    <message>
        <source>Run the recovery command now for the selected agents</source>
        <translation>Den Wiederherstellungsbefehl jetzt für die ausgewählten Agenten ausführen</translation>
    </message>
    <message>
        <source>Don&apos;t ask again</source>
        <translation>Nicht mehr fragen</translation>
    </message>
    <message>
        <source>Run the recovery command now? Selected agents: %1</source>
        <translation>Den Wiederherstellungsbefehl jetzt ausführen? Ausgewählte Agenten: %1</translation>
    </message>
    <message>
        <source>The selected agents are already recovering, paused or replaced.</source>
        <translation>Die ausgewählten Agenten werden bereits wiederhergestellt, sind pausiert oder ersetzt.</translation>
    </message>
    <message>
        <source>&amp;Ask before Recover now</source>
        <translation>Vor „Jetzt wiederherstellen“ &amp;fragen</translation>
    </message>
    <message>
        <source>&amp;Recover now</source>
        <translation>Jetzt &amp;wiederherstellen</translation>
    </message>
    <message>
        <source>&amp;Kill child</source>
        <translation>&amp;Kindprozess beenden</translation>
    </message>
    <message>
        <source>&amp;Pause</source>
        <translation>&amp;Pausieren</translation>
    </message>
    <message>
        <source>Res&amp;ume</source>
        <translation>F&amp;ortsetzen</translation>
    </message>
    <message>
        <source>R&amp;e-arm</source>
        <translation>Wieder &amp;scharf schalten</translation>
    </message>
    <message>
        <source>%1: not run, the command names %2, which this agent does not have</source>
        <translation>%1: nicht ausgeführt, der Befehl nennt %2, das dieser Agent nicht hat</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message numerus="yes">
        <source>and %n more</source>
        <translation>
            <numerusform>und %n weiterer</numerusform>
            <numerusform>und %n weitere</numerusform>
        </translation>
    </message>
    <message>
        <source>A post-mortem of files: nothing here acts on an observer.</source>
        <translation>Eine Nachbetrachtung von Dateien: nichts hier wirkt auf einen Beobachter.</translation>
    </message>
</context>
<context>
    <name>varta::ui::AgentDetailsPane</name>
    <message>
        <source>Overview</source>
        <translation>Übersicht</translation>
    </message>
    <message>
        <source>Its recovery children, newest first; select one to see its output</source>
        <translation>Seine Wiederherstellungsprozesse, neueste zuerst; wählen Sie einen aus, um seine Ausgabe zu sehen</translation>
    </message>
    <message>
        <source>The event log&apos;s entries about this agent, newest last</source>
        <translation>Die Einträge des Ereignisprotokolls zu diesem Agenten, neueste zuletzt</translation>
    </message>
    <message>
        <source>Select an agent in the table to see its process, its state, its recovery attempts and their output, and its events here.</source>
        <translation>Wählen Sie einen Agenten in der Tabelle aus, um hier seinen Prozess, seinen Zustand, seine Wiederherstellungsversuche samt Ausgabe und seine Ereignisse zu sehen.</translation>
    </message>
    <message>
        <source>Heartbeat</source>
        <translation>Herzschlag</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Zustand</translation>
    </message>
    <message>
        <source>Since</source>
        <translation>Seit</translation>
    </message>
    <message>
        <source>Down for</source>
        <translation>Ausfalldauer</translation>
    </message>
    <message>
        <source>Last beat</source>
        <translation>Letzter Schlag</translation>
    </message>
    <message>
        <source>Last status</source>
        <translation>Letzter Status</translation>
    </message>
    <message>
        <source>Payload</source>
        <translation>Nutzdaten</translation>
    </message>
    <message>
        <source>Nonce</source>
        <translation>Nonce</translation>
    </message>
    <message>
        <source>Beats</source>
        <translation>Schläge</translation>
    </message>
    <message>
        <source>Stalls</source>
        <translation>Stillstände</translation>
    </message>
    <message>
        <source>Recoveries</source>
        <translation>Wiederherst.</translation>
    </message>
    <message>
        <source>Process</source>
        <translation>Prozess</translation>
    </message>
    <message>
        <source>Agent</source>
        <translation>Agent</translation>
    </message>
    <message>
        <source>PID</source>
        <translation>PID</translation>
    </message>
    <message>
        <source>Origin</source>
        <translation>Herkunft</translation>
    </message>
    <message>
        <source>Unit</source>
        <translation>Unit</translation>
    </message>
    <message>
        <source>Command</source>
        <translation>Befehl</translation>
    </message>
    <message>
        <source>User</source>
        <translation>Benutzer</translation>
    </message>
    <message>
        <source>Comm</source>
        <translation>Comm</translation>
    </message>
    <message>
        <source>No agent selected</source>
        <translation>Kein Agent ausgewählt</translation>
    </message>
    <message numerus="yes">
        <source>1 of %n selected</source>
        <translation>
            <numerusform>1 von %n ausgewählt</numerusform>
            <numerusform>1 von %n ausgewählt</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 (cut)</source>
        <translation>%1 (gekürzt)</translation>
    </message>
    <message>
        <source>uid %1</source>
        <translation>UID %1</translation>
    </message>
    <message>
        <source>%1 (uid %2)</source>
        <translation>%1 (UID %2)</translation>
    </message>
    <message>
        <source>%1 (exiting)</source>
        <translation>%1 (beendet sich)</translation>
    </message>
    <message>
        <source>terminal</source>
        <translation>letzter</translation>
    </message>
    <message>
        <source>%1, %2 ago (first seen)</source>
        <translation>%1, vor %2 (zuerst gesehen)</translation>
    </message>
    <message>
        <source>%1, %2 ago</source>
        <translation>%1, vor %2</translation>
    </message>
    <message>
        <source>Down since %1</source>
        <translation>Ausgefallen seit %1</translation>
    </message>
    <message>
        <source>never</source>
        <translation>nie</translation>
    </message>
    <message>
        <source>%1 ago, at %2</source>
        <translation>vor %1, um %2</translation>
    </message>
    <message>
        <source>Attempts (%1)</source>
        <translation>Versuche (%1)</translation>
    </message>
    <message>
        <source>Events (%1)</source>
        <translation>Ereignisse (%1)</translation>
    </message>
</context>
<context>
    <name>varta::ui::AgentTableModel</name>
    <message>
        <source>pid %1 (%2)</source>
        <translation>PID %1 (%2)</translation>
    </message>
    <message>
        <source>%1 (exiting)</source>
        <translation>%1 (beendet sich)</translation>
    </message>
    <message>
        <source>never</source>
        <translation>nie</translation>
    </message>
    <message>
        <source>terminal</source>
        <translation>letzter</translation>
    </message>
    <message>
        <source>Last beat at %1</source>
        <translation>Letzter Herzschlag um %1</translation>
    </message>
    <message>
        <source>First seen at %1</source>
        <translation>Zuerst gesehen um %1</translation>
    </message>
    <message>
        <source>PID</source>
        <translation>PID</translation>
    </message>
    <message>
        <source>Origin</source>
        <translation>Herkunft</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Zustand</translation>
    </message>
    <message>
        <source>Last status</source>
        <translation>Letzter Status</translation>
    </message>
    <message>
        <source>Last beat</source>
        <translation>Letzter Schlag</translation>
    </message>
    <message>
        <source>Beats</source>
        <translation>Schläge</translation>
    </message>
    <message>
        <source>Stalls</source>
        <translation>Stillstände</translation>
    </message>
    <message>
        <source>Recoveries</source>
        <translation>Wiederherst.</translation>
    </message>
    <message>
        <source>Nonce</source>
        <translation>Nonce</translation>
    </message>
    <message>
        <source>Payload</source>
        <translation>Nutzdaten</translation>
    </message>
    <message>
        <source>Transport and peer address the agent beats from</source>
        <translation>Transportweg und Gegenadresse, von der der Agent sendet</translation>
    </message>
    <message>
        <source>Time since the last accepted beat</source>
        <translation>Zeit seit dem letzten angenommenen Herzschlag</translation>
    </message>
    <message>
        <source>Times the agent went silent past the threshold</source>
        <translation>Wie oft der Agent länger als die Schwelle verstummte</translation>
    </message>
    <message>
        <source>Recovery children started for the agent</source>
        <translation>Für den Agenten gestartete Wiederherstellungsprozesse</translation>
    </message>
    <message>
        <source>The application value carried by the last beat</source>
        <translation>Der Anwendungswert im letzten Herzschlag</translation>
    </message>
    <message>
        <source>%1 (pid %2, %3)</source>
        <translation>%1 (PID %2, %3)</translation>
    </message>
    <message>
        <source>%1 (cut)</source>
        <translation>%1 (gekürzt)</translation>
    </message>
    <message>
        <source>Unit: %1</source>
        <translation>Unit: %1</translation>
    </message>
    <message>
        <source>Container: %1</source>
        <translation>Container: %1</translation>
    </message>
    <message>
        <source>Cgroup: %1</source>
        <translation>Cgroup: %1</translation>
    </message>
    <message>
        <source>User: uid %1</source>
        <translation>Benutzer: UID %1</translation>
    </message>
    <message>
        <source>User: %1 (uid %2)</source>
        <translation>Benutzer: %1 (UID %2)</translation>
    </message>
    <message>
        <source>Started %1 after boot</source>
        <translation>Gestartet %1 nach dem Systemstart</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>User</source>
        <translation>Benutzer</translation>
    </message>
    <message>
        <source>Command</source>
        <translation>Befehl</translation>
    </message>
    <message>
        <source>The local agent&apos;s systemd unit, else its container, else its command name</source>
        <translation>Die systemd-Unit des lokalen Agenten, sonst sein Container, sonst sein Befehlsname</translation>
    </message>
    <message>
        <source>The user the local agent&apos;s process runs as</source>
        <translation>Der Benutzer, unter dem der Prozess des lokalen Agenten läuft</translation>
    </message>
    <message>
        <source>The local agent&apos;s command line, as the kernel reported it at first contact</source>
        <translation>Die Befehlszeile des lokalen Agenten, wie der Kernel sie beim ersten Kontakt meldete</translation>
    </message>
    <message numerus="yes">
        <source>and %n more</source>
        <translation>
            <numerusform>und %n weiterer</numerusform>
            <numerusform>und %n weitere</numerusform>
        </translation>
    </message>
    <message>
        <source>Down since %1</source>
        <translation>Ausgefallen seit %1</translation>
    </message>
    <message>
        <source>Down for</source>
        <translation>Ausfalldauer</translation>
    </message>
    <message>
        <source>How long the agent has been down: stalled since its last beat, through its recoveries, or exited; empty while it is up or paused</source>
        <translation>Wie lange der Agent ausgefallen ist: verstummt seit seinem letzten Schlag, über seine Wiederherstellungen hinweg, oder beendet; leer, solange er aktiv oder pausiert ist</translation>
    </message>
    <message>
        <source>%1 %2</source>
        <translation>%1 %2</translation>
    </message>
    <message>
        <source>%1+</source>
        <translation>%1+</translation>
    </message>
    <message>
        <source>Flaps (10 min)</source>
        <translation>Ausfälle (10 min)</translation>
    </message>
    <message>
        <source>Times the agent went down (stalled, exited...) in the last 10 minutes: an agent that keeps coming back and going down again</source>
        <translation>Wie oft der Agent in den letzten 10 Minuten ausfiel (verstummt, beendet …): ein Agent, der immer wieder zurückkommt und erneut ausfällt</translation>
    </message>
    <message>
        <source>%1 on %2</source>
        <translation>%1 auf %2</translation>
    </message>
    <message>
        <source>unknown since %1</source>
        <translation>unbekannt seit %1</translation>
    </message>
    <message>
        <source>Observer %1 cannot be reached since %2: this agent&apos;s state is unknown (it was %3)</source>
        <translation>Beobachter %1 ist seit %2 nicht erreichbar: der Zustand dieses Agenten ist unbekannt (zuletzt %3)</translation>
    </message>
    <message>
        <source>Observer</source>
        <translation>Beobachter</translation>
    </message>
    <message>
        <source>The observer that tracks the agent and runs its recoveries</source>
        <translation>Der Beobachter, der den Agenten verfolgt und seine Wiederherstellungen ausführt</translation>
    </message>
</context>
<context>
    <name>varta::ui::ChildOutputView</name>
    <message>
        <source>The output of this child is no longer kept.</source>
        <translation>Die Ausgabe dieses Prozesses wird nicht mehr aufbewahrt.</translation>
    </message>
    <message>
        <source>Select a recovery child to see its output.</source>
        <translation>Wählen Sie einen Wiederherstellungsprozess aus, um seine Ausgabe zu sehen.</translation>
    </message>
    <message>
        <source>The command never started: %1</source>
        <translation>Der Befehl wurde nie gestartet: %1</translation>
    </message>
    <message>
        <source>No output captured yet.</source>
        <translation>Noch keine Ausgabe aufgezeichnet.</translation>
    </message>
    <message>
        <source>Recovery output</source>
        <translation>Ausgabe der Wiederherstellung</translation>
    </message>
    <message>
        <source>not started</source>
        <translation>nicht gestartet</translation>
    </message>
    <message>
        <source>Child %1 for %2: %3 | %4 | %5 kept</source>
        <translation>Prozess %1 für %2: %3 | %4 | %5 aufbewahrt</translation>
    </message>
    <message>
        <source>⚠ Output truncated at %1 bytes: the child printed more than the capture limit and the rest was discarded.</source>
        <translation>⚠ Ausgabe bei %1 Bytes abgeschnitten: der Prozess hat mehr als das Aufzeichnungslimit ausgegeben, der Rest wurde verworfen.</translation>
    </message>
    <message>
        <source>[only the first %1 are shown here; varta-watch ctl output %2 prints what the engine kept]</source>
        <translation>[hier nur die ersten %1; varta-watch ctl output %2 gibt aus, was die Engine aufbewahrt hat]</translation>
    </message>
    <message>
        <source>&amp;Wrap output lines</source>
        <translation>Ausgabezeilen &amp;umbrechen</translation>
    </message>
</context>
<context>
    <name>varta::ui::ChildrenModel</name>
    <message>
        <source>running</source>
        <translation>läuft</translation>
    </message>
    <message>
        <source>exited %1</source>
        <translation>beendet mit %1</translation>
    </message>
    <message>
        <source>killed (signal %1)</source>
        <translation>abgebrochen (Signal %1)</translation>
    </message>
    <message>
        <source>killed</source>
        <translation>abgebrochen</translation>
    </message>
    <message>
        <source>timed out</source>
        <translation>Zeit überschritten</translation>
    </message>
    <message>
        <source>failed to start</source>
        <translation>Start fehlgeschlagen</translation>
    </message>
    <message>
        <source>%1 (manual)</source>
        <translation>%1 (manuell)</translation>
    </message>
    <message>
        <source>truncated</source>
        <translation>abgeschnitten</translation>
    </message>
    <message>
        <source>Agent</source>
        <translation>Agent</translation>
    </message>
    <message>
        <source>Child PID</source>
        <translation>Prozess-PID</translation>
    </message>
    <message>
        <source>Command</source>
        <translation>Befehl</translation>
    </message>
    <message>
        <source>Started</source>
        <translation>Gestartet</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>Dauer</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Zustand</translation>
    </message>
    <message>
        <source>Output kept</source>
        <translation>Ausgabe</translation>
    </message>
    <message>
        <source>Truncated</source>
        <translation>Abgeschnitten</translation>
    </message>
</context>
<context>
    <name>varta::ui::ConnectObserverDialog</name>
    <message>
        <source>Browse…</source>
        <translation>Durchsuchen…</translation>
    </message>
    <message>
        <source>Connect to observer</source>
        <translation>Mit Beobachter verbinden</translation>
    </message>
    <message>
        <source>unix:/run/varta-watch/control.sock or db1.example:7300</source>
        <translation>unix:/run/varta-watch/control.sock oder db1.example:7300</translation>
    </message>
    <message>
        <source>a private file whose first line is the token</source>
        <translation>eine private Datei, deren erste Zeile das Token ist</translation>
    </message>
    <message>
        <source>the system&apos;s certificates</source>
        <translation>die Zertifikate des Systems</translation>
    </message>
    <message>
        <source>&amp;Observer:</source>
        <translation>&amp;Beobachter:</translation>
    </message>
    <message>
        <source>&amp;Token file:</source>
        <translation>&amp;Token-Datei:</translation>
    </message>
    <message>
        <source>The token file</source>
        <translation>Die Token-Datei</translation>
    </message>
    <message>
        <source>Trusted &amp;certificates:</source>
        <translation>Vertraute &amp;Zertifikate:</translation>
    </message>
    <message>
        <source>The observer&apos;s certificate or CA</source>
        <translation>Das Zertifikat oder die CA des Beobachters</translation>
    </message>
    <message>
        <source>A HOST:PORT observer serves --console-listen and admits consoles by token; its TLS certificate is checked against the file above. unix:PATH is an observer&apos;s control socket on this host.</source>
        <translation>Ein Beobachter HOST:PORT bedient --console-listen und lässt Konsolen per Token zu; sein TLS-Zertifikat wird gegen die Datei oben geprüft. unix:PFAD ist der Steuer-Socket eines Beobachters auf diesem Rechner.</translation>
    </message>
    <message>
        <source>C&amp;onnect</source>
        <translation>&amp;Verbinden</translation>
    </message>
    <message>
        <source>A HOST:PORT observer needs a token file.</source>
        <translation>Ein Beobachter HOST:PORT braucht eine Token-Datei.</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
</context>
<context>
    <name>varta::ui::EventLogModel</name>
    <message>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <source>Severity</source>
        <translation>Schwere</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>Kategorie</translation>
    </message>
    <message>
        <source>Agent</source>
        <translation>Agent</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Meldung</translation>
    </message>
    <message>
        <source>recovery</source>
        <translation>Wiederherstellung</translation>
    </message>
    <message>
        <source>refused</source>
        <translation>abgelehnt</translation>
    </message>
    <message>
        <source>eviction</source>
        <translation>Verdrängung</translation>
    </message>
    <message>
        <source>audit</source>
        <translation>Audit</translation>
    </message>
    <message>
        <source>I/O</source>
        <translation>E/A</translation>
    </message>
    <message>
        <source>%1 — %2</source>
        <translation>%1 — %2</translation>
    </message>
</context>
<context>
    <name>varta::ui::FleetBand</name>
    <message>
        <source>Fleet band</source>
        <translation>Flottenband</translation>
    </message>
    <message>
        <source>%1: %2 now, peak %3</source>
        <translation>%1: %2 (max. %3)</translation>
    </message>
    <message>
        <source>Click to show only the %1 agents in the table</source>
        <translation>Klicken, um nur die Agenten im Zustand „%1“ in der Tabelle zu zeigen</translation>
    </message>
    <message>
        <source>No counts from this time</source>
        <translation>Keine Zählungen aus dieser Zeit</translation>
    </message>
    <message>
        <source>%1: %2 (up to %3 within that second)</source>
        <translation>%1: %2 (bis zu %3 in dieser Sekunde)</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>tracked: %1</source>
        <translation>verfolgt: %1</translation>
    </message>
</context>
<context>
    <name>varta::ui::FleetNotifier</name>
    <message>
        <source>Counts in the window &amp;title</source>
        <translation>Zähler im Fenster&amp;titel</translation>
    </message>
    <message>
        <source>Show how many agents are stalled, gave up or exited in the window title</source>
        <translation>Im Fenstertitel zeigen, wie viele Agenten verstummt, aufgegeben oder beendet sind</translation>
    </message>
    <message>
        <source>T&amp;ray icon</source>
        <translation>Symbol im Info&amp;bereich</translation>
    </message>
    <message>
        <source>An icon in the desktop&apos;s tray with the worst state and the counts</source>
        <translation>Ein Symbol im Infobereich des Desktops mit dem schlimmsten Zustand und den Zählern</translation>
    </message>
    <message>
        <source>Desktop &amp;notifications</source>
        <translation>&amp;Desktop-Benachrichtigungen</translation>
    </message>
    <message>
        <source>A notification when agents stall, exit or give up, grouped at most one every 10 seconds</source>
        <translation>Eine Benachrichtigung, wenn Agenten verstummen, sich beenden oder aufgegeben werden, gebündelt höchstens eine alle 10 Sekunden</translation>
    </message>
    <message>
        <source>This desktop has no tray</source>
        <translation>Dieser Desktop hat keinen Infobereich</translation>
    </message>
    <message>
        <source>1 agent stalled</source>
        <translation>1 Agent verstummt</translation>
    </message>
    <message>
        <source>%1 agents stalled</source>
        <translation>%1 Agenten verstummt</translation>
    </message>
    <message>
        <source>1 agent exited</source>
        <translation>1 Agent beendet</translation>
    </message>
    <message>
        <source>%1 agents exited</source>
        <translation>%1 Agenten beendet</translation>
    </message>
    <message>
        <source>1 agent gave up</source>
        <translation>1 Agent aufgegeben</translation>
    </message>
    <message>
        <source>%1 agents gave up</source>
        <translation>%1 Agenten aufgegeben</translation>
    </message>
    <message numerus="yes">
        <source>and %n more</source>
        <translation>
            <numerusform>und %n weiterer</numerusform>
            <numerusform>und %n weitere</numerusform>
        </translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>varta-watch</source>
        <translation>varta-watch</translation>
    </message>
    <message>
        <source>%1 %2</source>
        <translation>%1 %2</translation>
    </message>
    <message>
        <source>%1 — %2</source>
        <translation>%1 — %2</translation>
    </message>
    <message>
        <source>varta-watch: %1, none in trouble</source>
        <translation>varta-watch: %1, keiner in Schwierigkeiten</translation>
    </message>
    <message>
        <source>varta-watch: %1; %2</source>
        <translation>varta-watch: %1; %2</translation>
    </message>
    <message>
        <source>1 agent</source>
        <translation>1 Agent</translation>
    </message>
    <message>
        <source>%1 agents</source>
        <translation>%1 Agenten</translation>
    </message>
</context>
<context>
    <name>varta::ui::IncidentLog</name>
    <message>
        <source>%1: cannot open: %2</source>
        <translation>%1: kann nicht geöffnet werden: %2</translation>
    </message>
    <message>
        <source>%1: cannot read: %2</source>
        <translation>%1: kann nicht gelesen werden: %2</translation>
    </message>
</context>
<context>
    <name>varta::ui::IncidentReplay</name>
    <message>
        <source>audit %1</source>
        <translation>Audit %1</translation>
    </message>
    <message>
        <source>events %1</source>
        <translation>Ereignisse %1</translation>
    </message>
    <message numerus="yes">
        <source>%n malformed datagram(s): %1</source>
        <translation>
            <numerusform>%n fehlerhaftes Datagramm: %1</numerusform>
            <numerusform>%n fehlerhafte Datagramme: %1</numerusform>
        </translation>
    </message>
    <message>
        <source>the pause of pid %1 ended at its expiry</source>
        <translation>die Pause von PID %1 ist abgelaufen</translation>
    </message>
    <message>
        <source>pid %1 is back after %2 s silent</source>
        <translation>PID %1 ist nach %2 s Stille zurück</translation>
    </message>
    <message>
        <source>pid %1 stalled</source>
        <translation>PID %1 verstummt</translation>
    </message>
    <message>
        <source>pid %1 stalled: silent for %2 s</source>
        <translation>PID %1 verstummt: %2 s still</translation>
    </message>
    <message>
        <source>pid %1 evicted to make room</source>
        <translation>PID %1 verdrängt, um Platz zu schaffen</translation>
    </message>
    <message>
        <source>a beat claiming pid %1 was refused: %2</source>
        <translation>ein Herzschlag, der PID %1 behauptet, wurde abgewiesen: %2</translation>
    </message>
    <message>
        <source>observer started (audit log: %1)</source>
        <translation>Beobachter gestartet (Audit-Protokoll: %1)</translation>
    </message>
    <message>
        <source>%1: %2 %3: %4</source>
        <translation>%1: %2 %3: %4</translation>
    </message>
    <message>
        <source>manual recovery of pid %1: started child %2 (pid %3): %4</source>
        <translation>manuelle Wiederherstellung von PID %1: Kindprozess %2 gestartet (PID %3): %4</translation>
    </message>
    <message>
        <source>automatic recovery of pid %1: started child %2 (pid %3): %4</source>
        <translation>automatische Wiederherstellung von PID %1: Kindprozess %2 gestartet (PID %3): %4</translation>
    </message>
    <message>
        <source>exited with code %1</source>
        <translation>mit Code %1 beendet</translation>
    </message>
    <message>
        <source>died by signal %1</source>
        <translation>durch Signal %1 gestorben</translation>
    </message>
    <message>
        <source>ended: %1</source>
        <translation>beendet: %1</translation>
    </message>
    <message>
        <source>recovery child %1 for pid %2 %3 after %4 s, %5 bytes kept</source>
        <translation>Wiederherstellungsprozess %1 für PID %2 %3 nach %4 s, %5 Bytes behalten</translation>
    </message>
    <message>
        <source>gave up on pid %1: its recoveries did not help; re-arm it to recover again</source>
        <translation>PID %1 aufgegeben: die Wiederherstellungen halfen nicht; schalten Sie ihn wieder scharf, um erneut wiederherzustellen</translation>
    </message>
    <message>
        <source>recovery of pid %1 refused: %2</source>
        <translation>Wiederherstellung von PID %1 abgelehnt: %2</translation>
    </message>
</context>
<context>
    <name>varta::ui::IncidentWindow</name>
    <message>
        <source>Post-mortem: %1 — varta-watch</source>
        <translation>Nachbetrachtung: %1 — varta-watch</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <source>&amp;Previous event</source>
        <translation>&amp;Vorheriges Ereignis</translation>
    </message>
    <message>
        <source>Go to the event before this moment (%1)</source>
        <translation>Zum Ereignis vor diesem Zeitpunkt (%1)</translation>
    </message>
    <message>
        <source>&amp;Next event</source>
        <translation>&amp;Nächstes Ereignis</translation>
    </message>
    <message>
        <source>Go to the event after this moment (%1)</source>
        <translation>Zum Ereignis nach diesem Zeitpunkt (%1)</translation>
    </message>
    <message>
        <source>&amp;End of the files</source>
        <translation>&amp;Ende der Dateien</translation>
    </message>
    <message>
        <source>Show how everything stood at the last line of the files</source>
        <translation>Zeigen, wie alles bei der letzten Zeile der Dateien stand</translation>
    </message>
    <message>
        <source>The moment shown: drag, or use the arrow keys (a second) and Page Up/Down (a minute)</source>
        <translation>Der gezeigte Zeitpunkt: ziehen, oder die Pfeiltasten (eine Sekunde) und Bild auf/ab (eine Minute)</translation>
    </message>
    <message>
        <source>&amp;Time</source>
        <translation>&amp;Zeit</translation>
    </message>
    <message>
        <source>%1 (estimated: no audit log)</source>
        <translation>%1 (geschätzt: kein Audit-Protokoll)</translation>
    </message>
    <message numerus="yes">
        <source>%n file(s)</source>
        <translation>
            <numerusform>%n Datei</numerusform>
            <numerusform>%n Dateien</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n observer run(s)</source>
        <translation>
            <numerusform>%n Beobachterlauf</numerusform>
            <numerusform>%n Beobachterläufe</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 agents</source>
        <translation>%1 Agenten</translation>
    </message>
    <message>
        <source>%1 beats</source>
        <translation>%1 Herzschläge</translation>
    </message>
    <message>
        <source>%1 lines unreadable</source>
        <translation>%1 Zeilen unlesbar</translation>
    </message>
    <message>
        <source>%1 lines past the %2-fact bound not loaded</source>
        <translation>%1 Zeilen jenseits der Grenze von %2 Fakten nicht geladen</translation>
    </message>
    <message>
        <source>%1 events past the bound not shown</source>
        <translation>%1 Ereignisse jenseits der Grenze nicht gezeigt</translation>
    </message>
    <message>
        <source>The audit log keeps a child&apos;s exit and output size, not its output.</source>
        <translation>Das Audit-Protokoll hält Ende und Ausgabegröße eines Prozesses fest, nicht seine Ausgabe.</translation>
    </message>
</context>
<context>
    <name>varta::ui::KeyboardHelp</name>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>Tab, Shift+Tab</source>
        <translation>Tab, Umschalt+Tab</translation>
    </message>
    <message>
        <source>Move to the next or previous control or pane</source>
        <translation>Zum nächsten oder vorigen Element oder Bereich</translation>
    </message>
    <message>
        <source>Arrows, Page Up, Page Down</source>
        <translation>Pfeiltasten, Bild auf, Bild ab</translation>
    </message>
    <message>
        <source>Move within a table or the output</source>
        <translation>Innerhalb einer Tabelle oder der Ausgabe bewegen</translation>
    </message>
    <message>
        <source>Shift+arrows, Ctrl+A</source>
        <translation>Umschalt+Pfeiltasten, Strg+A</translation>
    </message>
    <message>
        <source>Select several agents</source>
        <translation>Mehrere Agenten auswählen</translation>
    </message>
    <message>
        <source>Menu key, Shift+F10</source>
        <translation>Menütaste, Umschalt+F10</translation>
    </message>
    <message>
        <source>The actions of the selected rows</source>
        <translation>Die Aktionen der ausgewählten Zeilen</translation>
    </message>
    <message>
        <source>Left, Right (timeline)</source>
        <translation>Links, Rechts (Zeitleiste)</translation>
    </message>
    <message>
        <source>Pan the stall timeline</source>
        <translation>Die Stillstands-Zeitleiste verschieben</translation>
    </message>
    <message>
        <source>+, - (timeline)</source>
        <translation>+, - (Zeitleiste)</translation>
    </message>
    <message>
        <source>Zoom the stall timeline in or out</source>
        <translation>Die Stillstands-Zeitleiste vergrößern oder verkleinern</translation>
    </message>
    <message>
        <source>End (timeline)</source>
        <translation>Ende (Zeitleiste)</translation>
    </message>
    <message>
        <source>Back to live</source>
        <translation>Zurück zu live</translation>
    </message>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>Tastenkürzel</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>Tasten</translation>
    </message>
    <message>
        <source>Does</source>
        <translation>Wirkung</translation>
    </message>
</context>
<context>
    <name>varta::ui::MainWindow</name>
    <message>
        <source>&lt;b&gt;Recovery children&lt;/b&gt;</source>
        <translation>&lt;b&gt;Wiederherstellungsprozesse&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Actions</source>
        <translation>Aktionen</translation>
    </message>
    <message>
        <source>Event log</source>
        <translation>Ereignisprotokoll</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <source>&amp;Actions</source>
        <translation>A&amp;ktionen</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Ansicht</translation>
    </message>
    <message>
        <source>Filter by pid, name, command, user or origin</source>
        <translation>Nach PID, Name, Befehl, Benutzer oder Herkunft filtern</translation>
    </message>
    <message>
        <source>Search events</source>
        <translation>Ereignisse durchsuchen</translation>
    </message>
    <message>
        <source>All severities</source>
        <translation>Alle Schweregrade</translation>
    </message>
    <message>
        <source>Warnings and errors</source>
        <translation>Warnungen und Fehler</translation>
    </message>
    <message>
        <source>Errors</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <source>All categories</source>
        <translation>Alle Kategorien</translation>
    </message>
    <message>
        <source>&amp;Find</source>
        <translation>&amp;Suchen</translation>
    </message>
    <message>
        <source>Search the event log when it has the focus, otherwise filter the agents</source>
        <translation>Im Ereignisprotokoll suchen, wenn es den Fokus hat, sonst die Agenten filtern</translation>
    </message>
    <message>
        <source>&amp;Search events</source>
        <translation>&amp;Ereignisse durchsuchen</translation>
    </message>
    <message>
        <source>Recover now</source>
        <translation>Jetzt wiederherstellen</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>Pausieren</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>Fortsetzen</translation>
    </message>
    <message>
        <source>Re-arm</source>
        <translation>Wieder scharf schalten</translation>
    </message>
    <message>
        <source>Kill child: asked for child %1</source>
        <translation>Kind beenden: für Kind %1 angefordert</translation>
    </message>
    <message>
        <source>%1: asked for %2</source>
        <translation>%1: angefordert für %2</translation>
    </message>
    <message>
        <source>%1 is no longer in the agents table</source>
        <translation>%1 ist nicht mehr in der Agententabelle</translation>
    </message>
    <message>
        <source>%1 is hidden by the agents filter</source>
        <translation>%1 ist durch den Agentenfilter ausgeblendet</translation>
    </message>
    <message>
        <source>Ne&amp;xt pane</source>
        <translation>&amp;Nächster Bereich</translation>
    </message>
    <message>
        <source>Pre&amp;vious pane</source>
        <translation>&amp;Vorheriger Bereich</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <source>&amp;Keyboard shortcuts</source>
        <translation>&amp;Tastenkürzel</translation>
    </message>
    <message>
        <source>&amp;About varta-watch</source>
        <translation>Ü&amp;ber varta-watch</translation>
    </message>
    <message>
        <source>About varta-watch</source>
        <translation>Über varta-watch</translation>
    </message>
    <message>
        <source>&lt;b&gt;varta-watch %1&lt;/b&gt;&lt;p&gt;Watches Varta heartbeats, declares silent agents stalled and runs their recovery command.&lt;/p&gt;</source>
        <translation>&lt;b&gt;varta-watch %1&lt;/b&gt;&lt;p&gt;Überwacht Varta-Herzschläge, erklärt stumme Agenten für verstummt und führt ihren Wiederherstellungsbefehl aus.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>&amp;Event log</source>
        <translation>Ereignis&amp;protokoll</translation>
    </message>
    <message>
        <source>&amp;Copy agents</source>
        <translation>Agenten &amp;kopieren</translation>
    </message>
    <message>
        <source>Copy the &amp;command</source>
        <translation>&amp;Befehl kopieren</translation>
    </message>
    <message>
        <source>&amp;Open event file…</source>
        <translation>Ereignisdatei ö&amp;ffnen…</translation>
    </message>
    <message>
        <source>Open an event file and its audit log</source>
        <translation>Eine Ereignisdatei und ihr Audit-Protokoll öffnen</translation>
    </message>
    <message>
        <source>Event files and audit logs (*.tsv *.tsv.* *.log *.log.*);;All files (*)</source>
        <translation>Ereignisdateien und Audit-Protokolle (*.tsv *.tsv.* *.log *.log.*);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>A read-only post-mortem of an event file (with its rotated generations) and, optionally, its audit log</source>
        <translation>Eine schreibgeschützte Nachbetrachtung einer Ereignisdatei (mit ihren rotierten Generationen) und, wahlweise, ihres Audit-Protokolls</translation>
    </message>
    <message>
        <source>Export &amp;agents…</source>
        <translation>&amp;Agenten exportieren…</translation>
    </message>
    <message>
        <source>Export agents</source>
        <translation>Agenten exportieren</translation>
    </message>
    <message>
        <source>Export &amp;events…</source>
        <translation>&amp;Ereignisse exportieren…</translation>
    </message>
    <message>
        <source>Export events</source>
        <translation>Ereignisse exportieren</translation>
    </message>
    <message>
        <source>Export child out&amp;put…</source>
        <translation>A&amp;usgabe des Kindprozesses exportieren…</translation>
    </message>
    <message>
        <source>Export child output</source>
        <translation>Ausgabe des Kindprozesses exportieren</translation>
    </message>
    <message>
        <source>The selected recovery child&apos;s output as shown</source>
        <translation>Die Ausgabe des ausgewählten Wiederherstellungsprozesses, wie gezeigt</translation>
    </message>
    <message>
        <source>Copy its &amp;output</source>
        <translation>Seine &amp;Ausgabe kopieren</translation>
    </message>
    <message>
        <source>Copy &amp;rows</source>
        <translation>&amp;Zeilen kopieren</translation>
    </message>
    <message>
        <source>&amp;Copy events</source>
        <translation>Ereignisse &amp;kopieren</translation>
    </message>
    <message>
        <source>Open event file</source>
        <translation>Ereignisdatei öffnen</translation>
    </message>
    <message>
        <source>Agent details</source>
        <translation>Agentendetails</translation>
    </message>
    <message>
        <source>&amp;Agent details</source>
        <translation>&amp;Agentendetails</translation>
    </message>
    <message>
        <source>Show or hide the details of the selected agent</source>
        <translation>Die Details des ausgewählten Agenten zeigen oder verbergen</translation>
    </message>
    <message>
        <source>%1 of %2 shown</source>
        <translation>%1 von %2 gezeigt</translation>
    </message>
    <message>
        <source>No agents yet — waiting for heartbeats</source>
        <translation>Noch keine Agenten — warte auf Herzschläge</translation>
    </message>
    <message>
        <source>No agents yet — waiting for heartbeats on %1</source>
        <translation>Noch keine Agenten — warte auf Herzschläge auf %1</translation>
    </message>
    <message>
        <source>No agent matches the filter.
Clear the filter box and choose States: All states to show all %1 agents.</source>
        <translation>Kein Agent passt zum Filter.
Leeren Sie das Filterfeld und wählen Sie Zustände: Alle Zustände, um alle %1 Agenten zu zeigen.</translation>
    </message>
    <message>
        <source>No agent matches the filter “%1”.
Clear the filter box to show all %2 agents.</source>
        <translation>Kein Agent passt zum Filter „%1“.
Leeren Sie das Filterfeld, um alle %2 Agenten zu zeigen.</translation>
    </message>
    <message>
        <source>No agent matches the filter (States: %1).
Choose States: All states to show all %2 agents.</source>
        <translation>Kein Agent passt zum Filter (Zustände: %1).
Wählen Sie Zustände: Alle Zustände, um alle %2 Agenten zu zeigen.</translation>
    </message>
    <message>
        <source>&amp;Connect to observer…</source>
        <translation>Mit Beobachter &amp;verbinden…</translation>
    </message>
    <message>
        <source>Watch an observer on another host, or on this one through its control socket (a console started with --attach)</source>
        <translation>Einen Beobachter auf einem anderen Rechner beobachten, oder auf diesem über seinen Steuer-Socket (eine mit --attach gestartete Konsole)</translation>
    </message>
</context>
<context>
    <name>varta::ui::ObserverStatus</name>
    <message>
        <source>At most %1 observers in one window</source>
        <translation>Höchstens %1 Beobachter in einem Fenster</translation>
    </message>
</context>
<context>
    <name>varta::ui::ReasonText</name>
    <message>
        <source>the agent is in another pid namespace</source>
        <translation>der Agent ist in einem anderen PID-Namensraum</translation>
    </message>
    <message>
        <source>its transport is not allowed to trigger recovery</source>
        <translation>sein Transportweg darf keine Wiederherstellung auslösen</translation>
    </message>
    <message>
        <source>the agent is paused</source>
        <translation>der Agent ist pausiert</translation>
    </message>
    <message>
        <source>the agent gave up; re-arm it first</source>
        <translation>der Agent wurde aufgegeben; schalten Sie ihn zuerst wieder scharf</translation>
    </message>
    <message>
        <source>a recovery started too recently</source>
        <translation>eine Wiederherstellung startete erst vor kurzem</translation>
    </message>
    <message>
        <source>a recovery child is still running for it</source>
        <translation>für ihn läuft noch ein Wiederherstellungsprozess</translation>
    </message>
    <message>
        <source>the most recovery children allowed are running</source>
        <translation>die höchste erlaubte Zahl an Wiederherstellungsprozessen läuft</translation>
    </message>
    <message>
        <source>the command could not be started</source>
        <translation>der Befehl konnte nicht gestartet werden</translation>
    </message>
    <message>
        <source>the agent beat again first</source>
        <translation>der Agent schlug vorher wieder</translation>
    </message>
    <message>
        <source>its pid now belongs to another process</source>
        <translation>seine PID gehört jetzt einem anderen Prozess</translation>
    </message>
    <message>
        <source>the command names a fact this agent lacks</source>
        <translation>der Befehl nennt eine Angabe, die diesem Agenten fehlt</translation>
    </message>
    <message>
        <source>no such agent or child</source>
        <translation>kein solcher Agent oder Prozess</translation>
    </message>
    <message>
        <source>it was not paused</source>
        <translation>er war nicht pausiert</translation>
    </message>
    <message>
        <source>a recovery child is running for it</source>
        <translation>für ihn läuft ein Wiederherstellungsprozess</translation>
    </message>
    <message>
        <source>a new audit log</source>
        <translation>ein neues Audit-Protokoll</translation>
    </message>
    <message>
        <source>the audit log continued</source>
        <translation>das Audit-Protokoll wurde fortgesetzt</translation>
    </message>
    <message>
        <source>an old audit log migrated</source>
        <translation>ein altes Audit-Protokoll wurde übernommen</translation>
    </message>
    <message>
        <source>the audit log&apos;s end was damaged</source>
        <translation>das Ende des Audit-Protokolls war beschädigt</translation>
    </message>
    <message>
        <source>the audit log&apos;s last line was not a record</source>
        <translation>die letzte Zeile des Audit-Protokolls war kein Eintrag</translation>
    </message>
    <message>
        <source>the audit log was rotated</source>
        <translation>das Audit-Protokoll wurde rotiert</translation>
    </message>
    <message>
        <source>the audit log was reopened</source>
        <translation>das Audit-Protokoll wurde neu geöffnet</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
</context>
<context>
    <name>varta::ui::ScreenshotTaker</name>
    <message>
        <source>Screenshot not taken: the window is gone.</source>
        <translation>Kein Bildschirmfoto: das Fenster existiert nicht mehr.</translation>
    </message>
    <message>
        <source>Screenshot not taken: the window could not be drawn.</source>
        <translation>Kein Bildschirmfoto: das Fenster konnte nicht gezeichnet werden.</translation>
    </message>
    <message>
        <source>Could not write the screenshot to %1.</source>
        <translation>Das Bildschirmfoto konnte nicht nach %1 geschrieben werden.</translation>
    </message>
    <message>
        <source>Screenshot saved to %1 (%2×%3).</source>
        <translation>Bildschirmfoto gespeichert unter %1 (%2×%3).</translation>
    </message>
</context>
<context>
    <name>varta::ui::StallTimelineView</name>
    <message>
        <source>No agents to show. Agents selected in the table get a lane here; without a selection the first rows of the table do.</source>
        <translation>Keine Agenten anzuzeigen. In der Tabelle ausgewählte Agenten erhalten hier eine Spur; ohne Auswahl die ersten Zeilen der Tabelle.</translation>
    </message>
    <message>
        <source>%1
Now %2: %3</source>
        <translation>%1
Jetzt %2: %3</translation>
    </message>
    <message>
        <source>%1: %2
from %3
to %4
for %5</source>
        <translation>%1: %2
von %3
bis %4
Dauer %5</translation>
    </message>
    <message>
        <source>now</source>
        <translation>jetzt</translation>
    </message>
    <message>
        <source>Recovery child %1 started at %2</source>
        <translation>Wiederherstellungsprozess %1 gestartet um %2</translation>
    </message>
    <message>
        <source>Recovery child %1 %2 at %3</source>
        <translation>Wiederherstellungsprozess %1 %2 um %3</translation>
    </message>
    <message>
        <source>+%1 more</source>
        <translation>+%1 weitere</translation>
    </message>
</context>
<context>
    <name>varta::ui::StateFilterButton</name>
    <message>
        <source>Show only agents in these states</source>
        <translation>Nur Agenten in diesen Zuständen zeigen</translation>
    </message>
    <message>
        <source>&amp;All states</source>
        <translation>&amp;Alle Zustände</translation>
    </message>
    <message>
        <source>&amp;Needs attention</source>
        <translation>&amp;Braucht Aufmerksamkeit</translation>
    </message>
    <message>
        <source>Every state except up, paused and replaced</source>
        <translation>Jeder Zustand außer aktiv, pausiert und ersetzt</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>All states</source>
        <translation>Alle Zustände</translation>
    </message>
    <message>
        <source>Needs attention</source>
        <translation>Braucht Aufmerksamkeit</translation>
    </message>
    <message>
        <source>No state</source>
        <translation>Kein Zustand</translation>
    </message>
    <message numerus="yes">
        <source>%n states</source>
        <translation>
            <numerusform>%n Zustand</numerusform>
            <numerusform>%n Zustände</numerusform>
        </translation>
    </message>
    <message>
        <source>&amp;States: %1</source>
        <translation>Zus&amp;tände: %1</translation>
    </message>
</context>
<context>
    <name>varta::ui::StateStyle</name>
    <message>
        <source>up</source>
        <translation>aktiv</translation>
    </message>
    <message>
        <source>degraded</source>
        <translation>beeinträchtigt</translation>
    </message>
    <message>
        <source>critical</source>
        <translation>kritisch</translation>
    </message>
    <message>
        <source>stalled</source>
        <translation>verstummt</translation>
    </message>
    <message>
        <source>recovering</source>
        <translation>wird wiederhergestellt</translation>
    </message>
    <message>
        <source>gave up</source>
        <translation>aufgegeben</translation>
    </message>
    <message>
        <source>paused</source>
        <translation>pausiert</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>unbekannt</translation>
    </message>
    <message>
        <source>Beating; the last beat reported OK.</source>
        <translation>Sendet; der letzte Herzschlag meldete OK.</translation>
    </message>
    <message>
        <source>Beating; the last beat reported degraded.</source>
        <translation>Sendet; der letzte Herzschlag meldete eine Beeinträchtigung.</translation>
    </message>
    <message>
        <source>Beating; the last beat reported critical.</source>
        <translation>Sendet; der letzte Herzschlag meldete einen kritischen Zustand.</translation>
    </message>
    <message>
        <source>Silent for longer than the stall threshold.</source>
        <translation>Länger still als die Stillstandsschwelle.</translation>
    </message>
    <message>
        <source>A recovery child is running for this agent.</source>
        <translation>Für diesen Agenten läuft ein Wiederherstellungsprozess.</translation>
    </message>
    <message>
        <source>Recovery gave up after repeated restarts; re-arm it to allow recovery again.</source>
        <translation>Die Wiederherstellung wurde nach wiederholten Neustarts aufgegeben; schalten Sie den Agenten wieder scharf, um sie erneut zu erlauben.</translation>
    </message>
    <message>
        <source>In maintenance: still tracked, never recovered.</source>
        <translation>In Wartung: weiter überwacht, nie wiederhergestellt.</translation>
    </message>
    <message>
        <source>ok</source>
        <translation>ok</translation>
    </message>
    <message>
        <source>stall</source>
        <translation>Stillstand</translation>
    </message>
    <message>
        <source>info</source>
        <translation>Info</translation>
    </message>
    <message>
        <source>warning</source>
        <translation>Warnung</translation>
    </message>
    <message>
        <source>error</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <source>exited</source>
        <translation>beendet</translation>
    </message>
    <message>
        <source>replaced</source>
        <translation>ersetzt</translation>
    </message>
    <message>
        <source>The process is gone: the kernel saw it exit, before any threshold.</source>
        <translation>Der Prozess ist fort: der Kernel hat sein Ende gesehen, vor jeder Schwelle.</translation>
    </message>
    <message>
        <source>Its unit came back under a new pid, which carries on in its place.</source>
        <translation>Seine Unit kam unter einer neuen PID zurück, die an seiner Stelle weitermacht.</translation>
    </message>
    <message>
        <source>%1 · silent</source>
        <translation>%1 · still</translation>
    </message>
    <message>
        <source>%1 · beating</source>
        <translation>%1 · schlägt</translation>
    </message>
</context>
<context>
    <name>varta::ui::StatusBarPanel</name>
    <message>
        <source>No listeners</source>
        <translation>Keine Empfänger</translation>
    </message>
    <message>
        <source>Listening: %1</source>
        <translation>Empfängt: %1</translation>
    </message>
    <message>
        <source>Beats/s: %1   Decode errors/s: %2</source>
        <translation>Schläge/s: %1   Dekodierfehler/s: %2</translation>
    </message>
    <message>
        <source>Agents: %1</source>
        <translation>Agenten: %1</translation>
    </message>
    <message>
        <source>%1
Click to show only the %2 agents in the table</source>
        <translation>%1
Klicken, um nur die Agenten im Zustand „%2“ in der Tabelle zu zeigen</translation>
    </message>
</context>
<context>
    <name>varta::ui::TableExport</name>
    <message>
        <source>%1: cannot write: %2</source>
        <translation>%1: kann nicht geschrieben werden: %2</translation>
    </message>
</context>
<context>
    <name>varta::ui::TimeFormat</name>
    <message>
        <source>%1 s</source>
        <translation>%1 s</translation>
    </message>
    <message>
        <source>%1 min %2 s</source>
        <translation>%1 min %2 s</translation>
    </message>
    <message>
        <source>%1 h %2 min</source>
        <translation>%1 h %2 min</translation>
    </message>
    <message>
        <source>%1 d %2 h</source>
        <translation>%1 d %2 h</translation>
    </message>
    <message>
        <source>%1 (engine +%2 s)</source>
        <translation>%1 (Engine +%2 s)</translation>
    </message>
</context>
<context>
    <name>varta::ui::TimelineLegend</name>
    <message>
        <source>recovery started</source>
        <translation>Wiederherstellung gestartet</translation>
    </message>
    <message>
        <source>recovery exited</source>
        <translation>Wiederherstellung beendet</translation>
    </message>
    <message>
        <source>recovery killed / timed out</source>
        <translation>Wiederherstellung abgebrochen / Zeit überschritten</translation>
    </message>
</context>
<context>
    <name>varta::ui::TimelinePane</name>
    <message>
        <source>&lt;b&gt;Stall timeline&lt;/b&gt;</source>
        <translation>&lt;b&gt;Stillstands-Zeitleiste&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Last minute</source>
        <translation>Letzte Minute</translation>
    </message>
    <message>
        <source>Last 15 seconds</source>
        <translation>Letzte 15 Sekunden</translation>
    </message>
    <message>
        <source>Last 5 minutes</source>
        <translation>Letzte 5 Minuten</translation>
    </message>
    <message>
        <source>Last 15 minutes</source>
        <translation>Letzte 15 Minuten</translation>
    </message>
    <message>
        <source>Last hour</source>
        <translation>Letzte Stunde</translation>
    </message>
    <message>
        <source>How much time the timeline shows</source>
        <translation>Welchen Zeitraum die Zeitleiste zeigt</translation>
    </message>
    <message>
        <source>Back to live</source>
        <translation>Zurück zu live</translation>
    </message>
    <message>
        <source>Follow the current time again after zooming or panning</source>
        <translation>Nach Zoomen oder Verschieben wieder der aktuellen Zeit folgen</translation>
    </message>
    <message>
        <source>Wheel: zoom · drag: pan · hover: exact times</source>
        <translation>Mausrad: zoomen · ziehen: verschieben · zeigen: genaue Zeiten</translation>
    </message>
</context>
</TS>
