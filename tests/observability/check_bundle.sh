#!/usr/bin/env bash
# The observability bundle is valid as shipped: the rules load, every alert's unit test
# passes, Alertmanager accepts its config and inhibits as it should, the Prometheus config
# parses, and every
# dashboard query names a recording rule the bundle defines or a family varta-watch
# documents (docs/compat.md section 4).
#   check_bundle.sh SOURCE_DIR
set -euo pipefail
src=$1
cd "$src/observability"
promtool check rules varta-alerts.yml varta-recording.yml > /dev/null
promtool test rules varta-alerts.test.yml > /dev/null
amtool check-config alertmanager.yml > /dev/null
promtool check config --syntax-only prometheus.yml > /dev/null

# The inhibit rules as a real Alertmanager applies them: an exited agent's stalled alert
# is held back, another agent's on the same observer is not, and an observer that is down
# holds back its agents' alerts.
am_dir=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
prometheus-alertmanager --config.file=alertmanager.yml --storage.path="$am_dir" \
    --web.listen-address=127.0.0.1:$port --cluster.listen-address= --log.level=error &
am_pid=$!
trap 'kill $am_pid 2> /dev/null; wait $am_pid 2> /dev/null; rm -rf "$am_dir"' EXIT
am=(amtool --alertmanager.url=http://127.0.0.1:$port)
for _ in $(seq 100); do "${am[@]}" alert query > /dev/null 2>&1 && break; sleep 0.1; done
"${am[@]}" alert add VartaAgentExited severity=page job=varta instance=a:9464 pid=42 origin=uds unit=api.service
"${am[@]}" alert add VartaAgentStalled severity=page job=varta instance=a:9464 pid=42 origin=uds
"${am[@]}" alert add VartaAgentStalled severity=page job=varta instance=a:9464 pid=43 origin=uds
"${am[@]}" alert add VartaObserverDown severity=page job=varta instance=b:9464
"${am[@]}" alert add VartaAgentExited severity=page job=varta instance=b:9464 pid=44 origin=uds
inhibited=$("${am[@]}" alert query --inhibited -o json \
    | python3 -c 'import json,sys; print(" ".join(sorted(a["labels"]["alertname"] + "/" + a["labels"]["instance"] + "/" + a["labels"].get("pid", "") for a in json.load(sys.stdin) if a["status"]["inhibitedBy"])))')
expected="VartaAgentExited/b:9464/44 VartaAgentStalled/a:9464/42"
[ "$inhibited" = "$expected" ] || { echo "alertmanager inhibits [$inhibited], expected [$expected]"; exit 1; }
recorded=$(grep -oE 'record: [a-z_:0-9]+' varta-recording.yml | cut -d' ' -f2)
status=0
for name in $(python3 -c 'import json,sys; [print(t["expr"]) for p in json.load(open("grafana-dashboard.json"))["panels"] for t in p["targets"]]' \
              | grep -oE '[a-z_]+:[a-z_:0-9]+|varta_[a-z_]+' | sort -u); do
    case "$name" in
        *:*) grep -qx "$name" <<< "$recorded" || { echo "dashboard: $name is no recording rule of the bundle"; status=1; } ;;
        # A family is documented as `name` or, info-style, as `name{labels}`.
        *) grep -qE "\`$name(\`|\{)" "$src/docs/compat.md" || { echo "dashboard: $name is no documented family"; status=1; } ;;
    esac
done
exit $status
