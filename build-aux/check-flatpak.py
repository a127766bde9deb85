#!/usr/bin/env python3
"""check-flatpak.py MANIFEST APP_ID COMMAND: what can be checked of the Flatpak manifest
without downloading a runtime. TAP."""

import json
import sys

manifest_path, app_id, command = sys.argv[1:4]
results = []


def check(ok, what):
    results.append((bool(ok), what))


try:
    with open(manifest_path, encoding="utf-8") as f:
        manifest = json.load(f)
except (OSError, ValueError) as e:
    print(f"Bail out! {manifest_path} does not parse: {e}")
    sys.exit(1)

check(manifest.get("id") == app_id, f"the app ID is {app_id}")
check(manifest.get("command") == command, f"the command is {command}")
check(manifest.get("runtime") == "org.gnome.Platform", "the runtime is org.gnome.Platform")
check(manifest.get("sdk") == "org.gnome.Sdk", "the SDK is org.gnome.Sdk")
runtime_version = str(manifest.get("runtime-version", ""))
check(runtime_version.isdigit(), "the runtime is a stable release, not master")
# Flathub ends a GNOME runtime about when the second newer one comes out (48 ended 2026-03-24),
# and GNOME Software then warns the user. 51 came out in September 2026.
check(runtime_version.isdigit() and int(runtime_version) >= 51,
      "the runtime is GNOME 51 or later, one Flathub still supports")

# Least privilege: exactly these, in any order, and nothing else (no --filesystem).
wanted = {"--share=network", "--share=ipc", "--socket=wayland", "--socket=fallback-x11", "--device=dri"}
finish_args = manifest.get("finish-args", [])
check(sorted(finish_args) == sorted(wanted) and len(finish_args) == len(wanted),
      "finish-args are exactly network, ipc, wayland, fallback-x11 and dri")
check(not any(a.startswith(("--filesystem", "--talk-name", "--system-talk-name", "--env"))
              for a in finish_args),
      "no file system, bus name or environment grant")

modules = manifest.get("modules", [])
# WebKitGTK 6.0, libsoup 3 and json-glib come with the GNOME runtime.
check(len(modules) == 1 and isinstance(modules[0], dict), "one module: the project itself")
module = modules[0] if modules and isinstance(modules[0], dict) else {}
check(module.get("buildsystem") == "meson", "it builds with meson")
sources = module.get("sources", [])
check(len(sources) == 1 and sources[0].get("type") == "dir" and sources[0].get("path") == "..",
      "the source is the project folder")
check(module.get("run-tests") is True and "-Dtests=true" in module.get("config-opts", []),
      "the tests run during the build")

failed = 0
for n, (ok, what) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {n} - {what}")
    failed |= not ok
print(f"1..{len(results)}")
sys.exit(1 if failed else 0)
