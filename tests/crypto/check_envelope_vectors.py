"""An independent check of tests/vectors/envelope_v1.json, written from docs/FORMAT.md alone.

Uses Python's own primitives (the `cryptography` package's AES-GCM-SIV, hashlib's HMAC and
unicodedata) rather than our Rust code, so the vectors pin the format, not one implementation.
Usage: python check_envelope_vectors.py tests/vectors/envelope_v1.json
"""
import json, hmac, hashlib, base64, struct, unicodedata, sys, re
import json, hmac, hashlib, base64, struct, unicodedata, sys, re
from decimal import Decimal
from datetime import date
from cryptography.hazmat.primitives.ciphers.aead import AESGCMSIV
from cryptography.exceptions import InvalidTag

d = json.load(open(sys.argv[1]))
H = bytes.fromhex
def lp(b): return struct.pack(">H", len(b)) + b
def aad(kid, t, c, r):
    return b"inventario-core/v1" + b"\x01" + struct.pack(">I", kid) + lp(t.encode()) + lp(c.encode()) + lp(r.encode())
def pad(tb, v):
    p = bytes([tb]) + v + b"\x80"
    return p + b"\x00" * (-len(p) % 16)
def value_bytes(t, s):
    if t == "text": return 1, s.encode()
    if t == "int": return 2, struct.pack(">q", int(s))
    if t == "decimal": return 3, s.encode()
    if t == "bytes": return 4, H(s)
    if t == "date": return 5, s.encode()

class Err(Exception): pass
def decode(p):
    if len(p) == 0 or len(p) % 16: raise Err("Malformed")
    end = len(p.rstrip(b"\x00")) - 1
    if end < 0 or p[end] != 0x80: raise Err("Malformed")
    if len(p) - end > 16: raise Err("Malformed")
    if end == 0: raise Err("Malformed")
    t, v = p[0], p[1:end]
    if t == 1:
        try: return ("text", v.decode("utf-8"))
        except UnicodeDecodeError: raise Err("Malformed")
    if t == 2:
        if len(v) != 8: raise Err("Malformed")
        return ("int", str(struct.unpack(">q", v)[0]))
    if t == 3:
        s = v.decode("ascii", "replace")
        if not re.fullmatch(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?", s): raise Err("Malformed")
        dec = Decimal(s)
        if dec.is_zero() and s.startswith("-"): raise Err("Malformed")
        frac = s.split(".")[1] if "." in s else ""
        if len(frac) > 28 or int(s.replace(".", "").lstrip("-")) >= 2**96: raise Err("Malformed")
        return ("decimal", s)
    if t == 4: return ("bytes", v.hex())
    if t == 5:
        s = v.decode("ascii", "replace")
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", s): raise Err("Malformed")
        try: date.fromisoformat(s)
        except ValueError: raise Err("Malformed")
        return ("date", s)
    raise Err("Malformed")

def open_env(keys, t, c, r, env):
    if len(env) == 0: raise Err("Malformed", None)
    if env[0] != 1: raise Err("UnsupportedVersion", env[0])
    if len(env) < 49 or (len(env) - 33) % 16: raise Err("Malformed", None)
    kid = struct.unpack(">I", env[1:5])[0]
    if kid not in keys: raise Err("UnknownKey", kid)
    try:
        pt = AESGCMSIV(keys[kid]).decrypt(env[5:17], env[17:], aad(kid, t, c, r))
    except InvalidTag:
        raise Err("AuthenticationFailed", None)
    try: return decode(pt)
    except Err: raise Err("Malformed", None)

n = 0
for v in d["positive"]:
    key = H(v["key"]); tb, vb = value_bytes(v["type"], v["plaintext"])
    p = pad(tb, vb); a = aad(v["key_id"], v["table"], v["column"], v["row_key"])
    assert p.hex() == v["padded_plaintext"], v["id"]
    assert a.hex() == v["aad"], v["id"]
    env = b"\x01" + struct.pack(">I", v["key_id"]) + H(v["nonce"]) + AESGCMSIV(key).encrypt(H(v["nonce"]), p, a)
    assert env.hex() == v["envelope"], v["id"]
    assert v["text"] == "ic1." + base64.urlsafe_b64encode(env).decode().rstrip("="), v["id"]
    assert open_env({v["key_id"]: key}, v["table"], v["column"], v["row_key"], env) == (v["type"], v["plaintext"]), v["id"]
    n += 1
for v in d["negative"]:
    keys = {k["key_id"]: H(k["key"]) for k in v["keys"]}
    try:
        open_env(keys, v["table"], v["column"], v["row_key"], H(v["envelope"]))
        raise AssertionError(v["id"] + " opened")
    except Err as e:
        assert e.args[0] == v["error"], (v["id"], e.args)
        if "error_arg" in v: assert e.args[1] == v["error_arg"], v["id"]
    n += 1
def norm(kind, s):
    if kind == "exact": return s
    if kind == "digits": return "".join(ch for ch in s if ch in "0123456789")
    return unicodedata.normalize("NFC", s.strip().casefold())
for v in d["blind_index"]:
    nm = norm(v["normalizer"], v["input"])
    assert nm == v["normalized"], v["id"]
    assert hmac.new(H(v["key"]), nm.encode(), hashlib.sha256).digest()[:v["len"]].hex() == v["index"], v["id"]
    n += 1
def kek(mk):
    prk = hmac.new(b"inventario-core/v1", mk, hashlib.sha256).digest()
    return hmac.new(prk, b"kek\x01", hashlib.sha256).digest()
for v in d["master_keys"]:
    mk = H(v["master_key"])
    if "passphrase" in v:
        assert hashlib.pbkdf2_hmac("sha256", v["passphrase"].encode(), H(v["salt"]), v["iterations"]) == mk
    k = kek(mk); assert k.hex() == v["kek"]
    assert hmac.new(k, b"inventario-core/v1 key check", hashlib.sha256).digest()[:8].hex() == v["check_value"]
    n += 1
codes = {"data": 1, "blind_index": 2, "audit": 3}
for v in d["wrapped_keys"]:
    k = kek(H(v["master_key"])); assert k.hex() == v["kek"]
    a = b"inventario-core/v1 wrap" + lp(v["tenant"].encode()) + bytes([codes[v["purpose"]]]) + struct.pack(">I", v["key_id"]) + lp(v["scope"].encode()) + struct.pack(">I", v["mk_version"])
    assert a.hex() == v["aad"]
    w = H(v["wrapped"]); assert len(w) == 61 and w[0] == 1 and w[1:13].hex() == v["nonce"]
    assert AESGCMSIV(k).decrypt(w[1:13], w[13:], a).hex() == v["key"]
    assert (b"\x01" + w[1:13] + AESGCMSIV(k).encrypt(w[1:13], H(v["key"]), a)) == w
    n += 1
print("ok", n, "vectors checked independently")
