#!/usr/bin/env python3
"""Writes the 1PUX test vectors from 1Password's published 1PUX format
(https://support.1password.com/1pux-format/), with Python's zipfile only. Run in this folder."""
import json, zipfile

ATTRS = {"version": 3, "description": "1Password Unencrypted Export", "createdAt": 1795000000}


def item(uuid, category, title, details, url=None, state="active"):
    ov = {"title": title, "subtitle": "", "tags": [], "ps": 0, "pbe": 0.0, "pgrng": False}
    if url:
        ov["url"] = url
        ov["urls"] = [{"label": "", "url": url}]
    return {"uuid": uuid, "favIndex": 0, "createdAt": 1790000000, "updatedAt": 1790000000,
            "state": state, "categoryUuid": category, "details": details, "overview": ov}


def login(user, pw):
    return [{"value": user, "id": "", "name": "username", "fieldType": "T", "designation": "username"},
            {"value": pw, "id": "", "name": "password", "fieldType": "P", "designation": "password"}]


def section(*fields):
    return [{"title": "", "name": "add more", "fields": [
        {"title": t, "id": i, "value": v, "indexAtSource": n, "guarded": False, "multiline": False,
         "dontGenerate": False, "inputTraits": {"keyboard": "default", "correction": "default", "capitalization": "default"}}
        for n, (t, i, v) in enumerate(fields)]}]


DATA = {"accounts": [{
    "attrs": {"accountName": "Example", "name": "Dev", "avatar": "", "email": "dev@example.com",
              "uuid": "ACCOUNTUUID0000000000000001", "domain": "https://example.1password.com/"},
    "vaults": [{
        "attrs": {"uuid": "VAULTUUID000000000000000001", "desc": "", "avatar": "", "name": "Personal", "type": "P"},
        "items": [
            item("ITEM01", "001", "GitHub", {
                "loginFields": login("octocat", "gh-1pux-password"), "notesPlain": "",
                "sections": section(("API token", "tok", {"concealed": "ghp_1pux_token"}),
                                    ("one-time password", "otp", {"totp": "otpauth://totp/GitHub?secret=JBSWY3DPEHPK3PXP"}),
                                    ("username hint", "hint", {"string": "visible"})),
                "passwordHistory": []}, url="https://github.com/login"),
            item("ITEM02", "005", "DB root", {"loginFields": [], "notesPlain": "", "sections": [],
                                              "passwordHistory": [], "password": "db-root-pw"}),
            item("ITEM03", "112", "Stripe", {"loginFields": [], "notesPlain": "",
                                             "sections": section(("credential", "credential", {"concealed": "sk_live_1pux"}),
                                                                 ("type", "type", {"menu": "bearer"}))}),
            item("ITEM04", "003", "Recovery codes", {"loginFields": [], "notesPlain": "aaaa-bbbb\ncccc-dddd", "sections": []}),
            item("ITEM05", "002", "Company card", {"loginFields": [], "notesPlain": "",
                                                   "sections": section(("verification number", "cvv", {"concealed": "123"}))}),
            item("ITEM06", "001", "Old login", {"loginFields": login("old", "old-pw"), "notesPlain": "", "sections": []},
                 url="legacy.example.com", state="archived"),
            item("ITEM07", "001", "No password", {"loginFields": login("u", ""), "notesPlain": "", "sections": []}),
        ]}]}]}


def write(name, files):
    with zipfile.ZipFile(name, "w", zipfile.ZIP_DEFLATED) as z:
        for path, data in files:
            info = zipfile.ZipInfo(path, date_time=(2026, 11, 29, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)


data = json.dumps(DATA, indent=2).encode()
write("export.1pux", [("export.attributes", json.dumps(ATTRS)), ("export.data", data)])
whole = open("export.1pux", "rb").read()
open("negative-truncated.1pux", "wb").write(whole[: len(whole) // 2])
write("negative-no-data.1pux", [("export.attributes", json.dumps(ATTRS))])
# 129 MiB of JSON whitespace: deflates to about 130 KB, inflates past the 128 MiB limit.
write("negative-zip-bomb.1pux", [("export.attributes", json.dumps(ATTRS)),
                                 ("export.data", b" " * (129 * 1024 * 1024) + b"{}")])
# The same, lying: export.data's sizes in the local and central headers say 2 bytes.
import struct
b = bytearray(open("negative-zip-bomb.1pux", "rb").read())
name = b"export.data"
i = 0
while True:
    i = b.find(b"PK\x03\x04", i)
    if i < 0:
        break
    if b[i + 30:i + 30 + len(name)] == name:
        struct.pack_into("<I", b, i + 22, 2)
    i += 4
i = 0
while True:
    i = b.find(b"PK\x01\x02", i)
    if i < 0:
        break
    if b[i + 46:i + 46 + len(name)] == name:
        struct.pack_into("<I", b, i + 24, 2)
    i += 4
open("negative-zip-bomb-lying-size.1pux", "wb").write(bytes(b))
