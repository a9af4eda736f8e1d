#!/usr/bin/env python3
"""Fetches an npm package's tarball from the registry, checks it against the sha512
integrity pinned here, and unpacks it under DIR/node_modules/NAME: what the tests need
from npm, without npm (a fresh Debian machine has node but not npm).

Usage: python3 scripts/npm-fetch.py DIR NAME VERSION SHA512-INTEGRITY
"""
import base64
import hashlib
import io
import os
import shutil
import sys
import tarfile
import urllib.request


def main():
    root, name, version, integrity = sys.argv[1:5]
    dest = os.path.join(root, "node_modules", name)
    stamp = os.path.join(dest, ".pishkhan-integrity")
    if os.path.exists(stamp) and open(stamp).read() == integrity:
        return
    base = name.split("/")[-1]
    url = f"https://registry.npmjs.org/{name}/-/{base}-{version}.tgz"
    data = urllib.request.urlopen(url, timeout=60).read()
    got = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if got != integrity:
        sys.exit(f"{url}: integrity {got} is not the pinned {integrity}")
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest)
    with tarfile.open(fileobj=io.BytesIO(data)) as t:
        for m in t.getmembers():
            # Every entry sits under package/; nothing may leave the destination.
            rel = m.name.split("/", 1)[1] if "/" in m.name else ""
            if not rel or rel.startswith("/") or ".." in rel.split("/") or not (m.isfile() or m.isdir()):
                continue
            target = os.path.join(dest, rel)
            if m.isdir():
                os.makedirs(target, exist_ok=True)
                continue
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as f:
                f.write(t.extractfile(m).read())
    with open(stamp, "w") as f:
        f.write(integrity)


if __name__ == "__main__":
    main()
