#!/usr/bin/env bash
# Writes bash completion for varta-watch from its own --help (the flag table), so a new
# flag completes without anyone editing this file.
#   make_completion.sh VARTA_WATCH_BINARY > varta-watch
set -euo pipefail
flags=$("$1" --help | grep -oE '^  --[a-z0-9-]+' | sed 's/^ *//' | sort -u | tr '\n' ' ')
cat <<COMPLETION
# bash completion for varta-watch, generated from varta-watch --help
_varta_watch() {
    local cur=\${COMP_WORDS[COMP_CWORD]}
    if [ "\${COMP_WORDS[1]:-}" = ctl ]; then
        if [ "\$COMP_CWORD" -eq 2 ] || [[ "\${COMP_WORDS[COMP_CWORD-1]}" == --json ]]; then
            COMPREPLY=(\$(compgen -W "status agents agent children output events recover kill pause resume rearm --socket --json --help" -- "\$cur"))
        else
            COMPREPLY=(\$(compgen -W "--state --pid --origin --limit --follow --reason --for --socket --json" -- "\$cur"))
        fi
        return
    fi
    case "\$cur" in
        -*) COMPREPLY=(\$(compgen -W "$flags" -- "\$cur")) ;;
        *) COMPREPLY=(\$(compgen -f -- "\$cur")) ;;
    esac
}
complete -F _varta_watch varta-watch
COMPLETION
