#!/bin/sh
# Writes a plugin crate from this template, as `rampart plugin new` does.
#
#   instantiate.sh [--member] NAME TITLE SDK_PATH OUTDIR
#
# NAME      the plugin's name, kebab-case (`my-plugin`); the crate name is NAME with `-` → `_`
# TITLE     the plugin's title (`My plugin`); no `|` or newline
# SDK_PATH  path of plugins/sdk as the new Cargo.toml should name it (absolute, or relative to OUTDIR)
# OUTDIR    where to write the crate (created; existing files are overwritten)
# --member  the crate is a member of an existing workspace (plugins/Cargo.toml): drop the standalone
#           part of Cargo.toml (its own `[workspace]` and release profile), which a member may not have.
#
# The files and their output paths come from MANIFEST; the placeholders are {{name}}, {{crate_name}},
# {{title}} and {{sdk_path}}. The server does the same substitution on the same files (without --member).
set -eu

member=false
if [ "${1:-}" = "--member" ]; then
    member=true
    shift
fi
if [ $# -ne 4 ]; then
    echo "usage: $0 [--member] NAME TITLE SDK_PATH OUTDIR" >&2
    exit 2
fi
name=$1 title=$2 sdk_path=$3 outdir=$4
case $name in
    *[!a-z0-9-]* | "" | -* | *-) echo "$0: NAME must be lower-case letters, digits and dashes" >&2; exit 2 ;;
esac
case $title$sdk_path in
    *"|"*) echo "$0: TITLE and SDK_PATH may not contain |" >&2; exit 2 ;;
esac
crate_name=$(printf '%s' "$name" | tr - _)
here=$(cd "$(dirname "$0")" && pwd)

# sed replacement text: escape \ and & (| is the delimiter and was refused above).
escape() { printf '%s' "$1" | sed -e 's/[\\&]/\\&/g'; }
subst="s|{{name}}|$(escape "$name")|g; s|{{crate_name}}|$(escape "$crate_name")|g; s|{{title}}|$(escape "$title")|g; s|{{sdk_path}}|$(escape "$sdk_path")|g"

while read -r source target; do
    [ -n "$source" ] || continue
    mkdir -p "$outdir/$(dirname "$target")"
    if $member && [ "$target" = "Cargo.toml" ]; then
        # Everything from the standalone marker on, and the blank line before it, goes.
        sed -e "$subst" "$here/$source" | sed -e '/^# ---- standalone build/,$d' | sed -e '${/^$/d;}' >"$outdir/$target"
    else
        sed -e "$subst" "$here/$source" >"$outdir/$target"
    fi
done <"$here/MANIFEST"
echo "wrote $outdir ($name)"
