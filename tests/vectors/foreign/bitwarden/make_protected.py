#!/usr/bin/env python3
"""Writes a password-protected Bitwarden export, from Bitwarden's published design, with
Python `cryptography` only: an implementation independent of Coffer's reader.

    make_protected.py PLAIN.json OUT.json KDF [SALT]

KDF is `pbkdf2:ITERATIONS` or `argon2id:PASSES:MEMORY_MIB:LANES`. The password is read from the
environment variable BW_EXPORT_PASSWORD (never argv). SALT (the base64 text used as the salt) is
random unless given, for reproducible vectors.
"""
import base64, hashlib, hmac, json, os, sys

from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC


def master_key(password, salt_text, kdf):
    kind, *p = kdf.split(":")
    salt = salt_text.encode()
    if kind == "pbkdf2":
        it = int(p[0])
        mk = PBKDF2HMAC(hashes.SHA256(), 32, salt, it).derive(password)
        return mk, {"kdfType": 0, "kdfIterations": it, "kdfMemory": None, "kdfParallelism": None}
    from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
    t, m, lanes = (int(x) for x in p)
    mk = Argon2id(salt=hashlib.sha256(salt).digest(), length=32, iterations=t, lanes=lanes,
                  memory_cost=m * 1024).derive(password)
    return mk, {"kdfType": 1, "kdfIterations": t, "kdfMemory": m, "kdfParallelism": lanes}


def enc_string(enc_key, mac_key, plaintext, iv=None):
    iv = iv or os.urandom(16)
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plaintext) + padder.finalize()
    e = Cipher(algorithms.AES(enc_key), modes.CBC(iv)).encryptor()
    ct = e.update(padded) + e.finalize()
    tag = hmac.new(mac_key, iv + ct, hashlib.sha256).digest()
    b64 = lambda b: base64.b64encode(b).decode()
    return f"2.{b64(iv)}|{b64(ct)}|{b64(tag)}"


def main():
    plain_path, out_path, kdf = sys.argv[1:4]
    salt_text = sys.argv[4] if len(sys.argv) > 4 else base64.b64encode(os.urandom(16)).decode()
    password = os.environ["BW_EXPORT_PASSWORD"].encode()
    mk, params = master_key(password, salt_text, kdf)
    enc_key = HKDFExpand(hashes.SHA256(), 32, b"enc").derive(mk)
    mac_key = HKDFExpand(hashes.SHA256(), 32, b"mac").derive(mk)
    with open(plain_path, "rb") as f:
        data = f.read()
    doc = {"encrypted": True, "passwordProtected": True, "salt": salt_text, **params,
           "encKeyValidation_DO_NOT_EDIT": enc_string(enc_key, mac_key, b"4c3b1f06-2f1e-4d1b-9c1a-0a2b3c4d5e6f"),
           "data": enc_string(enc_key, mac_key, data)}
    with open(out_path, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
