#!/usr/bin/env python3
"""A tiny planner port in Python 3, standard library only.

It speaks the planner protocol of docs/PORTING.md (cwprogress-planner/1): one
JSON request on stdin, one JSON answer on stdout. It implements SPEC sections
1-4 and 6 (units, keys and matching, configuration, planning, two-way) so that

    cwprogress conform --planner-cmd "python3 conformance/examples/planner.py"

passes the planner vectors. It is an example of a port, not a second
reference: where it and the C planner differ, the C planner and SPEC win.
"""
import json
import math
import sys
from types import SimpleNamespace as Record

ID_NAMES = ["tmdb", "imdb", "tvdb", "trakt", "mal", "anilist", "kitsu", "anidb", "simkl"]
ABSENT_WORDS = {"", "0", "none", "null", "nan", "undefined", "unknown"}
SPACE = " \t\n\r\v\f"
MAX_EXACT = 2**53 - 1
INT64_MAX = 2**63 - 1
MAX_TIME_MS = 253402300799999  # 9999-12-31T23:59:59.999Z
PCT_EPS = 1e-9
ABSENT, INVALID = "absent", "invalid"


class Obj(dict):
    """A JSON object: the first of a repeated name, plus every member in order."""

    def __init__(self, pairs):
        super().__init__()
        self.pairs = pairs
        for k, v in pairs:
            self.setdefault(k, v)


def lower_ascii(s):
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in s)


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def exact_nonneg_int(v):
    """A JSON number that is an integer >= 0 a double carries exactly."""
    if not is_number(v) or not math.isfinite(v) or math.copysign(1, v) < 0:
        return None
    if v != math.floor(v) or v > MAX_EXACT:
        return None
    return int(v)


# ---- UNIT-01..06: ticks, integers, timestamps --------------------------------

def int_from_json(v, maximum=INT64_MAX):
    """UNIT-02: a JSON integer or a string of digits; else ABSENT/INVALID."""
    if v is None:
        return ABSENT
    if is_number(v):
        x = exact_nonneg_int(v)
    elif isinstance(v, str) and v and all("0" <= c <= "9" for c in v):
        x = int(v)
    else:
        x = None
    return x if x is not None and x <= maximum else INVALID


def days_from_civil(y, m, d):
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m - 3 if m > 2 else m + 9) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def digits(s, i, n):
    part = s[i:i + n]
    if len(part) != n or not all("0" <= c <= "9" for c in part):
        return None
    return int(part)


def parse_zone(s, pos):
    """Minutes east of UTC for Z, +HH:MM, +HHMM; None when invalid."""
    c, rest = s[pos], s[pos + 1:]
    if c == "Z":
        return 0 if rest == "" else None
    if c not in "+-":
        return None
    if len(rest) == 5 and rest[2] == ":":
        zh, zm = digits(rest, 0, 2), digits(rest, 3, 2)
    elif len(rest) == 4:
        zh, zm = digits(rest, 0, 2), digits(rest, 2, 2)
    else:
        return None
    if zh is None or zm is None or zh > 23 or zm > 59:
        return None
    return (zh * 60 + zm) * (-1 if c == "-" else 1)


def parse_time(s):
    """UNIT-05: YYYY-MM-DDTHH:MM:SS[.f{1,7}][Z|+HH:MM|+HHMM], no zone = UTC."""
    if len(s) < 19 or s[4] != "-" or s[7] != "-" or s[10] != "T" or s[13] != ":" or s[16] != ":":
        return INVALID
    parts = [digits(s, 0, 4), digits(s, 5, 2), digits(s, 8, 2), digits(s, 11, 2),
             digits(s, 14, 2), digits(s, 17, 2)]
    if None in parts:
        return INVALID
    year, mon, day, hour, mins, sec = parts
    pos, frac_ms = 19, 0
    if pos < len(s) and s[pos] == ".":
        start = pos = pos + 1
        while pos < len(s) and "0" <= s[pos] <= "9":
            pos += 1
        if not 1 <= pos - start <= 7:
            return INVALID
        frac_ms = int((s[start:pos] + "00")[:3])  # truncated to ms (UNIT-08)
    offset = 0
    if pos < len(s):
        offset = parse_zone(s, pos)
        if offset is None:
            return INVALID
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    dim = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    if year < 1 or not 1 <= mon <= 12 or not 1 <= day <= dim[mon - 1] or hour > 23 \
            or mins > 59 or sec > 59:
        return INVALID
    if (year, mon, day, hour, mins, sec) == (1, 1, 1, 0, 0, 0):
        return ABSENT  # Emby's zero date
    secs = days_from_civil(year, mon, day) * 86400 + hour * 3600 + mins * 60 + sec
    return (secs - offset * 60) * 1000 + frac_ms


def time_from_json(v):
    if v is None:
        return ABSENT
    if isinstance(v, str):
        return parse_time(v)
    if is_number(v):
        if v == 0:
            return ABSENT  # epoch 0: "never"
        x = exact_nonneg_int(v)
        if x is None:
            return INVALID
        ms = x if x >= 10**11 else x * 1000  # epoch ms from 10^11 on
        return ms if ms <= MAX_TIME_MS else INVALID
    return INVALID


def known(v):
    return v is not ABSENT and v is not INVALID


# ---- SPEC section 3: configuration ------------------------------------------

class ConfigError(Exception):
    pass


INT_MAX_CFG = 2147483647
# snake name, camelCase alias, kind, maximum (ints), default
KEYS = [
    ("enable", None, "bool", 0, True),
    ("add", None, "bool", 0, True),
    ("remove", None, "bool", 0, False),
    ("min_seconds", "minSeconds", "int", INT_MAX_CFG, 60),
    ("delta_seconds", "deltaSeconds", "int", INT_MAX_CFG, 30),
    ("max_percent", "maxPercent", "percent", 0, 95.0),
    ("max_percent_min_duration_seconds", "maxPercentMinDurationSeconds", "int", INT_MAX_CFG, 0),
    ("timestamp_tolerance_seconds", "timestampToleranceSeconds", "int", 300, 30),
    ("replay_enabled", "replayEnabled", "bool", 0, False),
    ("propagate_timestamp_updates", "propagateTimestampUpdates", "bool", 0, False),
    ("mode", None, "mode", 0, "one-way"),
    ("source_of_truth", "sourceOfTruth", "truth", 0, "source"),
]
RANGES = {"bool": "true or false", "percent": "a number from 0 to 100",
          "mode": '"one-way" or "two-way"', "truth": '"source" or "destination"'}


def find_key(name):
    for k in KEYS:
        if name == k[0] or name == k[1]:
            return k
    return None


def read_value(k, v, where, name):
    """CFG-02: the value, or a ConfigError naming key, value and range."""
    kind = k[2]
    ok = None
    if kind == "bool" and isinstance(v, bool):
        ok = v
    elif kind == "int" and is_number(v) and math.isfinite(v) and v == math.floor(v) \
            and 0 <= v <= k[3]:
        ok = int(v)
    elif kind == "percent" and is_number(v) and math.isfinite(v) and 0 <= v <= 100:
        ok = math.floor(v * 1e6 + 0.5) / 1e6 + 0.0
    elif kind == "mode" and v in ("one-way", "two-way") and isinstance(v, str):
        ok = v
    elif kind == "truth" and v in ("source", "destination") and isinstance(v, str):
        ok = v
    if ok is None:
        rng = RANGES.get(kind) or "an integer from 0 to %d" % k[3]
        raise ConfigError("config: %s%s = %s is not allowed (allowed: %s)"
                          % (where, name, json.dumps(v), rng))
    return ok


def read_section(cfg, sec, where):
    seen = {}
    for name, v in sec.pairs:
        k = find_key(name)
        if k is None:
            continue  # unknown keys are a warning, not an error
        if v is None:
            if k[0] in seen:
                raise ConfigError("config: %s%s is given twice" % (where, name))
            continue
        val = read_value(k, v, where, name)
        if k[0] in seen:
            first_name, first_val = seen[k[0]]
            if first_name == name or first_val != val:
                raise ConfigError("config: %s%s and %s%s disagree or repeat"
                                  % (where, first_name, where, name))
            continue
        seen[k[0]] = (name, val)
    for snake, (_, val) in seen.items():
        cfg[snake] = val
    return "mode" in seen


def read_config(root):
    cfg = {k[0]: k[4] for k in KEYS}
    if not isinstance(root, dict):
        raise ConfigError("config: the pair configuration is not a JSON object")
    sec, where = None, ""
    features = root.get("features")
    if features is not None:
        if not isinstance(features, dict):
            raise ConfigError("config: features is not an object")
        sec = features.get("progress")
        if sec is not None and not isinstance(sec, dict):
            raise ConfigError("config: features.progress is not an object")
        where = "features.progress."
    bare = root.get("progress")
    if bare is not None:
        if not isinstance(bare, dict):
            raise ConfigError("config: progress is not an object")
        if sec is not None:
            raise ConfigError("config: both features.progress and progress are given")
        sec, where = bare, "progress."
    seen_mode = read_section(cfg, sec, where) if sec is not None else False
    if root.get("mode") is not None:  # CrossWatch keeps the pair's direction at the top
        mode = read_value(find_key("mode"), root["mode"], "", "mode")
        if seen_mode and mode != cfg["mode"]:
            raise ConfigError("config: mode and %smode disagree" % where)
        cfg["mode"] = mode
    return cfg


# ---- SPEC section 2: records, ids, keys, duplicates, matching -----------------

def normalize_id(kind, value):
    """KEY-01/02: trimmed, absent spellings, digits only (imdb: tt + digits)."""
    value = value.strip(SPACE)
    if lower_ascii(value) in ABSENT_WORDS:
        return None
    ds = "".join(c for c in value if "0" <= c <= "9")
    if kind != "imdb":
        ds = ds.lstrip("0")
    if not ds:
        return None
    out = "tt" + ds if kind == "imdb" else ds
    return out if len(out) < 32 else None


def read_ids(obj):
    ids = {}
    if not isinstance(obj, Obj):
        return ids
    for name, v in obj.pairs:
        kind = lower_ascii(name)
        if kind not in ID_NAMES or kind in ids:
            continue
        if isinstance(v, str):
            val = normalize_id(kind, v)
        else:
            x = exact_nonneg_int(v)
            val = normalize_id(kind, str(x)) if x is not None else None
        if val:
            ids[kind] = val
    return ids


def opt_int(v, maximum=INT64_MAX):
    x = int_from_json(v, maximum)
    return x if known(x) else None


def read_record(key, obj):
    """CLI-02 / KEY-08: a record, or None when it is dropped."""
    if not isinstance(obj, Obj):
        return None
    t = obj.get("type")
    if not isinstance(t, str) or lower_ascii(t) not in ("movie", "episode"):
        return None  # KEY-08: no usable type
    r = Record()
    r.type = lower_ascii(t)
    if key is None and isinstance(obj.get("key"), str) and obj["key"]:
        key = obj["key"]
    title = obj.get("title")
    r.title = title if isinstance(title, str) else None
    r.year = opt_int(obj.get("year"), 2**31 - 1)
    r.season = opt_int(obj.get("season"), 2**31 - 1)
    r.episode = opt_int(obj.get("episode"), 2**31 - 1)
    r.ids, r.show_ids = read_ids(obj.get("ids")), read_ids(obj.get("show_ids"))
    r.ms = opt_int(obj.get("progress_ms"))
    dur = opt_int(obj.get("duration_ms"))
    r.dur = dur if dur else None  # 0 is unknown (UNIT-04)
    pct = obj.get("progress_percent")
    ok = is_number(pct) and math.isfinite(pct) and 0 <= pct <= 100  # UNIT-09
    r.pct = float(pct) + 0.0 if ok else None
    at = time_from_json(obj.get("progress_at"))
    r.at = at if known(at) else None
    item = obj.get("item_id")
    r.item_id = item if isinstance(item, str) and item else None
    if r.item_id is None and exact_nonneg_int(item) is not None:
        r.item_id = str(exact_nonneg_int(item))
    r.key = key if key else canonical_key(r)
    return r if r.key and len(r.key.encode()) < 512 else None


def best(ids):
    for name in ID_NAMES:
        if name in ids:
            return "%s:%s" % (name, ids[name])
    return None


def se(r):
    return "#s%02de%02d" % (r.season, r.episode)


def canonical_key(r):
    """KEY-04/05: ASCII-only lower-casing, nothing trimmed."""
    title = lower_ascii(r.title or "")
    if r.type == "movie":
        return best(r.ids) or "movie|title:%s|year:%s" % (
            title, "" if r.year is None else r.year)
    has_se = r.season is not None and r.episode is not None
    show, own = best(r.show_ids), best(r.ids)
    if has_se and (show or own):
        return (show or own) + se(r)
    if own:
        return own
    return "episode|show:%s|s:%s|e:%s" % (
        title, "" if r.season is None else r.season, "" if r.episode is None else r.episode)


def tokens(r):
    """KEY-06 alias tokens, in the order they are tried."""
    if r.type == "movie":
        return ["%s:%s" % (n, r.ids[n]) for n in ID_NAMES if n in r.ids]
    out = []
    if r.season is not None and r.episode is not None:
        for ids in (r.show_ids, r.ids):
            out += ["%s:%s%s" % (n, ids[n], se(r)) for n in ID_NAMES if n in ids]
    return out + ["%s:%s" % (n, r.ids[n]) for n in ID_NAMES if n in r.ids]


def record_percent(r):
    if r.ms is not None and r.dur:
        p = r.ms / r.dur * 100.0
    elif r.pct is not None:
        p = r.pct
    else:
        return None
    return p if math.isfinite(p) else None


def cmp(a, b):
    """> 0 when a ranks higher: known beats unknown, then the larger."""
    if (a is None) != (b is None):
        return 1 if a is not None else -1
    if a is None:
        return 0
    return (a > b) - (a < b)


def cmp_small(a, b):
    """> 0 when a ranks higher: present beats absent, then the smaller bytes."""
    if a is None or b is None:
        return (a is not None) - (b is not None)
    a, b = a.encode(), b.encode()
    return (a < b) - (a > b)


def prefer(a, b):
    """KEY-07: newer progress_at, higher ratio, higher ms, smallest item_id."""
    for c in (cmp(a.at, b.at), cmp(record_percent(a), record_percent(b)), cmp(a.ms, b.ms),
              cmp_small(a.item_id, b.item_id)):
        if c:
            return c
    # beyond the rule: any total order, so that input order never matters
    for c in (cmp_small(a.title, b.title), cmp(a.year, b.year), cmp(a.season, b.season),
              cmp(a.episode, b.episode), cmp(a.dur, b.dur), cmp(a.pct, b.pct),
              cmp_small(json.dumps(a.ids, sort_keys=True), json.dumps(b.ids, sort_keys=True)),
              cmp_small(json.dumps(a.show_ids, sort_keys=True),
                        json.dumps(b.show_ids, sort_keys=True))):
        if c:
            return c
    return 0


def read_index(node):
    """An index JSON object (key -> record) or an array of records."""
    if isinstance(node, Obj):
        members = [(k if k else None, v) for k, v in node.pairs]
    elif isinstance(node, list):
        members = [(None, v) for v in node]
    else:
        raise ValueError("not an index (an object of key -> record, or an array of records)")
    index = {}
    for key, obj in members:
        r = read_record(key, obj)
        if r is None:
            continue
        old = index.get(r.key)
        if old is None or prefer(r, old) > 0:
            index[r.key] = r
    return index


def match(src, dst):
    """KEY-06: the exact key (same type), else the first unambiguous token."""
    owners = {}
    for d in dst.values():
        for t in tokens(d):
            owners.setdefault((d.type, t), set()).add(id(d))
    by_id = {id(d): d for d in dst.values()}
    out = {}
    for key, s in src.items():
        d = dst.get(key)
        if d is not None and d.type == s.type:
            out[key] = d
            continue
        for t in tokens(s):
            who = owners.get((s.type, t), set())
            if len(who) == 1:
                out[key] = by_id[next(iter(who))]
                break
    return out


# ---- SPEC sections 4 and 6: planning -----------------------------------------

def progress_of(r):
    """'unknown', 'zero' or 'positive': progress_ms decides when known (PLAN-03)."""
    if r is None:
        return "unknown"
    v = r.ms if r.ms is not None else r.pct
    if v is None:
        return "unknown"
    return "positive" if v > 0 else "zero"


def sec_ms(s):
    return s * 1000 if s > 0 else 0


def newer_by_more_than(a, b, tol):
    return a > b and a - b > tol


def step4_percent(r):
    """PLAN-04 step 4: the stored percent first, else ms / duration."""
    return r.pct if r.pct is not None else record_percent(r)


def decide_zero(s, d, cfg):
    """PLAN-03: an explicit zero."""
    if not cfg["remove"]:
        return "skip", "remove_disabled"
    if progress_of(d) != "positive":
        return "skip", "nothing_to_clear"
    if s.at is not None and d.at is not None and newer_by_more_than(
            d.at, s.at, sec_ms(cfg["timestamp_tolerance_seconds"])):
        return "skip", "destination_newer"
    return "clear", "explicit_zero"


def decide_positive(s, d, cfg):
    """PLAN-04 steps 1-7."""
    if s.ms is not None and s.ms < sec_ms(cfg["min_seconds"]):
        return "skip", "below_min"
    sp = record_percent(s)
    if sp is not None and sp >= cfg["max_percent"] - PCT_EPS:
        min_dur = cfg["max_percent_min_duration_seconds"]
        if min_dur <= 0 or s.dur is None or s.dur >= sec_ms(min_dur):
            return "skip", "near_complete"
    if progress_of(d) == "unknown":
        return "upsert", "destination_missing"
    if s.ms is None or d.ms is None:
        a, b = step4_percent(s), step4_percent(d)
        if a is None or b is None or abs(a - b) >= 0.1 - PCT_EPS:
            return "upsert", "percent_differs"
        return "skip", "within_delta"
    if s.ms == d.ms:
        return "skip", "unchanged"
    if abs(s.ms - d.ms) < sec_ms(cfg["delta_seconds"]):
        return "skip", "within_delta"
    if s.ms > d.ms:
        return "upsert", "source_ahead"
    if s.at is not None and d.at is not None and (
            s.at > d.at or (s.at == d.at and cfg["propagate_timestamp_updates"])):
        return "upsert", "source_newer"
    return "skip", "would_regress"


def decide(s, d, cfg):
    p = progress_of(s)
    if p == "unknown":
        return "skip", "no_progress"
    if p == "zero":
        return decide_zero(s, d, cfg)
    action, reason = decide_positive(s, d, cfg)
    if action == "upsert" and not cfg["add"]:
        return "skip", "add_disabled"
    return action, reason


def direction(frm, to, cfg, name):
    m = match(frm, to)
    return [{"key": k, "direction": name, "src": frm[k], "dst": m.get(k),
             "decision": decide(frm[k], m.get(k), cfg)} for k in sorted(frm)]


def forward_wins(s, d, fa, ba, cfg):
    """TWO-01: does the forward write (s -> d) beat the backward one?"""
    truth = cfg["source_of_truth"] == "source"
    if s.at is not None and d.at is not None and s.at != d.at:
        return s.at > d.at
    if "clear" in (fa, ba):
        return truth  # a clear against an upsert: timestamps only
    if s.ms and d.ms and s.ms != d.ms:
        return s.ms > d.ms
    sp, dp = record_percent(s), record_percent(d)
    if sp is not None and dp is not None and abs(sp - dp) > 0.1 + PCT_EPS:
        return sp > dp
    return truth


def plan(req):
    cfg = read_config(req.get("config") or Obj([]))
    src, dst = read_index(req.get("source", Obj([]))), read_index(req.get("destination", Obj([])))
    if not cfg["enable"]:
        return []  # PLAN-01
    fwd = direction(src, dst, cfg, "forward")
    if cfg["mode"] != "two-way":
        return fwd
    bwd = direction(dst, src, cfg, "backward")
    by_key = {b["key"]: b for b in bwd}
    for f in fwd:
        b = by_key.get(f["dst"].key) if f["dst"] is not None else None
        writes = f["decision"][0] != "skip" and b is not None and b["decision"][0] != "skip"
        if not writes or b["dst"] is None or b["dst"].key != f["key"]:
            continue
        loser = b if forward_wins(f["src"], b["src"], f["decision"][0], b["decision"][0],
                                  cfg) else f
        loser["decision"] = ("skip", "conflict_lost")
    return fwd + bwd


def main():
    try:
        req = json.loads(sys.stdin.read(), object_pairs_hook=Obj)
    except ValueError as e:
        print("planner.py: stdin is not JSON: %s" % e, file=sys.stderr)
        return 2
    try:
        decisions = plan(req)
    except ConfigError as e:
        print(json.dumps({"error": "config", "message": str(e)}))
        return 2
    except ValueError as e:
        print(json.dumps({"error": "input", "message": str(e)}))
        return 2
    print(json.dumps({"decisions": [
        {"key": d["key"], "direction": d["direction"], "action": d["decision"][0],
         "reason": d["decision"][1]} for d in decisions]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
