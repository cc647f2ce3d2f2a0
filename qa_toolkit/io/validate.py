"""Record → frames: validate JSONL-shaped conversation dicts and build typed frames.

Every reader (JSONL, long tables, in-memory records) funnels through ``FrameBuilder`` so the
rules are the same everywhere: a bad field is a Problem with its location, and the whole
conversation is skipped (a bad message skips its conversation), counted in the log.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from qa_toolkit.frames import CONVERSATIONS, DEFAULT_TZ, MESSAGES, ROLES, Dataset, conform
from qa_toolkit.missing import is_missing
from qa_toolkit.problems import Problem, ProblemLog

ROLE_ALIASES: dict[str, str] = {
    **{r: r for r in ROLES},
    "客服": "agent",
    "坐席": "agent",
    "人工": "agent",
    "人工客服": "agent",
    "staff": "agent",
    "assistant": "agent",
    "operator": "agent",
    "service": "agent",
    "顾客": "customer",
    "买家": "customer",
    "用户": "customer",
    "客户": "customer",
    "访客": "customer",
    "user": "customer",
    "client": "customer",
    "buyer": "customer",
    "机器人": "bot",
    "智能客服": "bot",
    "robot": "bot",
    "系统": "system",
    "系统消息": "system",
}
CHANNEL_ALIASES: dict[str, str] = {
    "在线": "chat",
    "在线客服": "chat",
    "聊天": "chat",
    "im": "chat",
    "online": "chat",
    "电话": "phone",
    "热线": "phone",
    "call": "phone",
    "voice": "phone",
    "邮件": "email",
    "e-mail": "email",
    "mail": "email",
    "社交": "social",
    "微博": "social",
    "抖音": "social",
}
TAG_SPLIT = re.compile(r"[|,;，、；]")
REQUIRED = ("conversation_id", "agent_id")
FIELD_ALIASES = {"skill_group": "queue"}  # JSONL field names the product brief also allows
CONTRACT_FIELDS = frozenset(CONVERSATIONS) | frozenset(FIELD_ALIASES)
_EPOCH_MS = 10**11  # epoch numbers above this are milliseconds (10**11 s is the year 5138)
_UNIX = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_NUMBER = re.compile(r"^[0-9]+(\.[0-9]+)?$")
_YEAR = re.compile(r"[0-9]{4}")
_CN_DATE = re.compile(r"(?<=[0-9])[年月日](?=[0-9 ]|$)")
#: The times a reader accepts: pandas holds nanoseconds from 1677-09-21 to 2262-04-11, and a
#: margin inside those leaves room for the day and week arithmetic of later stages.
FIRST_TIME = datetime(1678, 1, 1, tzinfo=UTC)
LAST_TIME = datetime(2261, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
MIN_NS = (FIRST_TIME - _UNIX) // _MICROSECOND * 1000
MAX_NS = (LAST_TIME - _UNIX) // _MICROSECOND * 1000


class FieldError(ValueError):
    """A value that cannot be used; carries the field name for the Problem."""

    def __init__(self, field: str, message: str, code: str):
        super().__init__(message)
        self.field, self.code = field, code


def parse_ts(value: object, tz: ZoneInfo, field: str = "ts") -> int | None:
    """A timestamp (ISO string with or without zone, epoch seconds/ms, datetime) → UTC ns;
    FieldError when unreadable or outside FIRST_TIME..LAST_TIME."""
    ns = _parse_ts(value, tz, field)
    if ns is not None and not MIN_NS <= ns <= MAX_NS:
        raise FieldError(
            field,
            f"timestamp {value!r} is outside the supported range {FIRST_TIME:%Y-%m-%d} .. {LAST_TIME:%Y-%m-%d}",
            "time_out_of_range",
        )
    return ns


def _parse_ts(value: object, tz: ZoneInfo, field: str) -> int | None:
    if is_missing(value):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return _epoch(value, field)
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime(warn=False)  # nanoseconds past the microsecond: the range check reads them
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        text = value.strip()
        if _NUMBER.match(text):
            return _epoch(float(text) if "." in text else int(text), field)
        text = _CN_DATE.sub(lambda m: "-" if m.group() in "年月" else " ", text).strip()  # 2026年3月1日 10:00
        try:
            value = datetime.fromisoformat(text.replace("/", "-"))
        except ValueError:
            try:  # other spellings of a date; never a time alone or a word ("10:00", "now" would be today)
                if not _YEAR.search(text):
                    raise ValueError(text)
                value = pd.Timestamp(text).to_pydatetime()
            except (ValueError, TypeError, OverflowError):
                raise FieldError(field, f"cannot read timestamp {value!r}", "bad_timestamp") from None
    if not isinstance(value, datetime):
        raise FieldError(field, f"cannot read timestamp {value!r}", "bad_timestamp")
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return (value - _UNIX) // _MICROSECOND * 1000


def _epoch(number: float | int, field: str) -> int | None:
    """Epoch seconds or milliseconds → ns (exact for integers)."""
    if isinstance(number, (float, np.floating)):
        if math.isnan(number):
            return None
        if math.isinf(number):
            raise FieldError(field, f"cannot read timestamp {number!r}", "bad_timestamp")
        if not number.is_integer():
            return round(number * (1e6 if number >= _EPOCH_MS else 1e9))
    scale = 10**6 if number >= _EPOCH_MS else 10**9
    return int(number) * scale


def parse_role(value: object, aliases: Mapping[str, str], field: str = "role") -> str:
    """Normalise a role to agent|customer|bot|system (aliases in English and Chinese)."""
    if is_missing(value):
        raise FieldError(field, "missing required field", "missing_field")
    key = str(value).strip()
    role = aliases.get(key) or aliases.get(key.lower())
    if role not in ROLES:
        raise FieldError(field, f"unknown role {value!r} (expected one of {', '.join(ROLES)})", "unknown_role")
    return role


def parse_field(key: str, value: object, zone: ZoneInfo, channels: Mapping[str, str]) -> object:
    """A standard conversation field (``frames.CONVERSATIONS``) by its scalar rule: times, csat,
    tags, and every other field as text (channels named as ``channels`` says); FieldError when
    the rule rejects the value. ``fields.conversation_column`` is the same over a column."""
    if key in ("started_at", "ended_at"):
        return parse_ts(value, zone, key)
    if key == "csat":
        return parse_csat(value)
    if key == "tags":
        return parse_tags(value)
    text = as_text_field(value, key)
    return channel_name(text, channels) if key == "channel" else text


def channel_name(text: str | None, aliases: Mapping[str, str]) -> str | None:
    """A channel's text as the readers name it: an alias (as written, or in lower case) or the
    text in lower case."""
    if text is None:
        return None
    return aliases.get(text, aliases.get(text.lower(), text.lower()))


def parse_csat(value: object) -> int | None:
    """CSAT is an integer 1..5 (``"4"``, ``4.0`` accepted) or missing; true/false is not a score."""
    if is_missing(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        raise FieldError("csat", f"csat must be a number 1..5, got {kind_of(value)}", "bad_csat")
    try:
        number = float(str(value).strip()) if not isinstance(value, (int, float)) else float(value)
    except ValueError:
        raise FieldError("csat", f"csat {value!r} is not a number", "bad_csat") from None
    if not number.is_integer() or not 1 <= number <= 5:
        raise FieldError("csat", f"csat {value!r} is outside 1..5", "bad_csat")
    return int(number)


def parse_tags(value: object) -> list[str]:
    """Tags: a list of text (or numbers), or a string split on | , ; ， 、 ；."""
    if is_missing(value):
        return []
    if isinstance(value, (list, tuple, np.ndarray)):
        tags = [t for t in value if not is_missing(t)]
        odd = next((t for t in tags if isinstance(t, _NOT_TEXT)), None)
        if odd is not None:
            raise FieldError("tags", f"tags must be text, got a list holding {kind_of(odd)}", "bad_type")
        return [str(t).strip() for t in tags]
    if isinstance(value, _NOT_TEXT):
        raise FieldError("tags", f"tags must be text or a list of text, got {kind_of(value)}", "bad_type")
    return [t.strip() for t in TAG_SPLIT.split(str(value)) if t.strip()]


#: Values an export never means as text: JSON objects, lists, true/false, raw bytes.
_NOT_TEXT = (dict, list, tuple, set, np.ndarray, bool, np.bool_, bytes, bytearray)


def kind_of(value: object) -> str:
    """What a value is, in the words of JSON: for messages about a wrong type."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, (list, tuple, set, np.ndarray)):
        return "a list"
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value)).lower()
    if isinstance(value, (bytes, bytearray)):
        return "raw bytes"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return f"a number ({value!r})"
    return type(value).__name__


def as_text_field(value: object, field: str) -> str | None:
    """A text field of the contract (ids, channel, tier, queue) as ``as_text`` gives it: text, or
    a number (ids often are); FieldError for an object, a list, true/false or bytes."""
    if isinstance(value, _NOT_TEXT):
        raise FieldError(field, f"must be text, got {kind_of(value)}", "bad_type")
    return as_text(value)


TRUE_WORDS = frozenset({"true", "1", "yes", "y", "t", "是"})
FALSE_WORDS = frozenset({"false", "0", "no", "n", "f", "否"})


def as_bool(value: object) -> bool | None:
    """A yes/no cell the way exports write it (true/1/yes/y/t/是, false/0/no/n/f/否, real bools
    and numbers); None when missing or not a yes/no value. The one vocabulary every stage uses."""
    if is_missing(value):
        return None
    if isinstance(value, str):
        low = value.strip().lower()
        return True if low in TRUE_WORDS else False if low in FALSE_WORDS else None
    try:
        return bool(value)
    except (TypeError, ValueError):
        return None


def cell_value(value: object, field: str) -> object:
    """A table cell of ``field`` as JSONL would carry it: blank → None; ``true``/``false`` → a
    bool outside the contract (an export's own flags), text in the contract's fields."""
    if is_missing(value):
        return None
    if field not in CONTRACT_FIELDS and isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return value


def as_text(value: object) -> str | None:
    """A cell or JSON value as stripped text (``13800138000.0`` → ``"13800138000"``); None if blank."""
    if is_missing(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class FrameBuilder:
    """Accumulates validated conversations; ``take()`` returns them as a conformed Dataset.

    ``seen_ids`` is shared between chunks so duplicate ids are found across a whole file.
    """

    def __init__(
        self,
        tz: str = DEFAULT_TZ,
        source: str = "<memory>",
        *,
        seen_ids: set | None = None,
        role_aliases: Mapping[str, str] | None = None,
        channel_aliases: Mapping[str, str] | None = None,
    ):
        self.tz, self.zone, self.source = tz, ZoneInfo(tz), source
        self.seen_ids = set() if seen_ids is None else seen_ids
        self.roles = {**ROLE_ALIASES, **(role_aliases or {})}
        self.channels = {**CHANNEL_ALIASES, **(channel_aliases or {})}
        self._reset()

    def _reset(self) -> None:
        self.conv: dict[str, list] = {c: [] for c in CONVERSATIONS}
        self.msg: dict[str, list] = {c: [] for c in MESSAGES}
        self.conv_extra: dict[str, list] = {}
        self.msg_extra: dict[str, list] = {}
        self.log = ProblemLog()

    def add(self, record: object, line: int | None = None, msg_lines: list[int] | None = None) -> bool:
        """Validate one conversation record; keep it, or log why it was skipped.
        ``line`` locates the record; ``msg_lines`` locates each message (long tables)."""
        self.log.records_read += 1
        if not isinstance(record, dict):
            return self._skip(line, None, f"expected a JSON object, got {type(record).__name__}", "not_object")
        try:
            conv, messages = self._validate(record, line, msg_lines)
        except _Skip as skip:
            return self._skip(skip.line, skip.field, skip.message, skip.code)
        n_conv = len(self.conv["conversation_id"])
        for key, value in conv.items():
            self._put(self.conv, self.conv_extra, key, value, n_conv)
        n_msg = len(self.msg["conversation_id"])
        for i, message in enumerate(messages):
            for key, value in message.items():
                self._put(self.msg, self.msg_extra, key, value, n_msg + i)
        for columns in (self.conv, self.conv_extra):
            self._pad(columns, n_conv + 1)
        for columns in (self.msg, self.msg_extra):
            self._pad(columns, n_msg + len(messages))
        self.seen_ids.add(conv["conversation_id"])
        return True

    def extend(self, conv: dict[str, list], messages: dict[str, list]) -> None:
        """Append conversations already validated as columns (``io.columnar``): the same lists
        ``add`` builds one record at a time, extras in the order given."""
        for main, extra, columns in ((self.conv, self.conv_extra, conv), (self.msg, self.msg_extra, messages)):
            before = len(main["conversation_id"])
            for key, values in columns.items():
                (main[key] if key in main else extra.setdefault(key, [None] * before)).extend(values)
            for values in (main, extra):
                self._pad(values, before + len(columns["conversation_id"]))
        self.seen_ids.update(conv["conversation_id"])
        self.log.records_read += len(conv["conversation_id"])

    @staticmethod
    def _put(main: dict, extra: dict, key: str, value: object, row: int) -> None:
        if key in main:
            main[key].append(value)
        else:  # an extra field first seen (or seen again) at ``row``: the rows before it lack it
            values = extra.setdefault(key, [])
            values.extend([None] * (row - len(values)))
            values.append(value)

    @staticmethod
    def _pad(extra: dict, n: int) -> None:
        for values in extra.values():
            values.extend([None] * (n - len(values)))

    def _validate(self, record: dict, line: int | None, msg_lines: list[int] | None) -> tuple[dict, list[dict]]:
        for name in REQUIRED:
            if is_missing(record.get(name)):
                raise _Skip(line, name, "missing required field", "missing_field")
        try:
            cid = as_text_field(record["conversation_id"], "conversation_id")
        except FieldError as err:
            raise _Skip(line, err.field, str(err), err.code) from None
        if cid in self.seen_ids:
            where = "" if msg_lines is None else " (in a table, a conversation's rows must be consecutive)"
            raise _Skip(
                line,
                "conversation_id",
                f"duplicate conversation id '{cid}': first one kept, this one skipped{where}",
                "duplicate_id",
            )
        conv: dict = {"conversation_id": cid}
        try:
            for key, value in record.items():
                if key in ("conversation_id", "messages"):
                    continue
                if key in FIELD_ALIASES and FIELD_ALIASES[key] not in record:
                    key = FIELD_ALIASES[key]
                conv[key] = parse_field(key, value, self.zone, self.channels) if key in CONVERSATIONS else value
        except FieldError as err:
            raise _Skip(line, err.field, str(err), err.code) from None
        conv.setdefault("tags", [])
        messages = record.get("messages")
        if not isinstance(messages, list) or not messages:
            what = "missing required field" if messages is None else "must be a non-empty list of messages"
            raise _Skip(line, "messages", what, "missing_field")
        return conv, [self._message(cid, i, m, line, msg_lines) for i, m in enumerate(messages)]

    def _message(self, cid: str, i: int, message: object, line: int | None, msg_lines: list[int] | None) -> dict:
        where = msg_lines[i] if msg_lines else line
        prefix = "" if msg_lines else f"messages[{i}]."
        if not isinstance(message, dict):
            raise _Skip(
                where,
                prefix.rstrip(".") or "messages",
                f"a message must be an object — conversation '{cid}' skipped",
                "not_object",
            )
        try:
            out = {
                "conversation_id": cid,
                "seq": i,
                "ts": parse_ts(message.get("ts"), self.zone),
                "role": parse_role(message.get("role"), self.roles),
            }
        except FieldError as err:
            raise _Skip(where, prefix + err.field, f"{err} — conversation '{cid}' skipped", err.code) from None
        text = message.get("text")
        if not isinstance(text, str):
            what, code = (
                ("missing required field", "missing_field")
                if is_missing(text)
                else (f"must be text, got {kind_of(text)}", "bad_type")
            )
            raise _Skip(where, prefix + "text", f"{what} — conversation '{cid}' skipped", code)
        out["text"] = text
        for key, value in message.items():
            if key not in out and key != "seq":
                out[key] = value
        return out

    def _skip(self, line: int | None, field: str | None, message: str, code: str) -> bool:
        self.log.records_skipped += 1
        self.log.add(Problem(self.source, message, line=line, field=field, code=code))
        return False

    def take_log(self) -> ProblemLog:
        """The log alone, when the conversations were built elsewhere (nothing gathered here)."""
        log = self.log
        self.log = ProblemLog()
        return log

    def take(self) -> Dataset:
        """The conversations gathered so far as a conformed Dataset; the builder starts afresh."""
        conv = self._frame({**self.conv, **self.conv_extra}, CONVERSATIONS)
        msg = self._frame({**self.msg, **self.msg_extra}, MESSAGES)
        dataset = Dataset(conform(conv, CONVERSATIONS, self.tz), conform(msg, MESSAGES, self.tz), self.log)
        self._reset()
        return dataset

    def _frame(self, columns: dict[str, list], contract: Mapping[str, str]) -> pd.DataFrame:
        """Contract columns are typed straight from the lists (times from int ns, never through
        float; text through Arrow); extras are inferred by pandas; tags stay lists."""
        typed = {
            "datetime": lambda v: _to_datetime(v, self.tz),
            "string": _strings,
            "object": _objects,
            "Int64": lambda v: pd.array(v, dtype="Int64"),
        }
        return pd.DataFrame({c: typed[contract[c]](v) if c in contract else v for c, v in columns.items()})


def typed_extras(frame: pd.DataFrame, contract: Mapping[str, str]) -> pd.DataFrame:
    """``frame`` (conformed, then joined with others) with its extra columns typed as one frame
    of their values would be (an all-missing part leaves ``object`` behind): the same dtype
    whatever the chunking."""
    for col in frame.columns[len(contract) :]:
        if frame[col].dtype == object:
            frame[col] = frame[col].where(frame[col].notna(), None).infer_objects()
    return frame


def _to_datetime(values: list[int | None], tz: str) -> pd.Series:
    ns = pd.array(values, dtype="Int64")
    return pd.Series(pd.to_datetime(ns, unit="ns", utc=True).tz_convert(tz))


def _strings(values: list) -> pd.api.extensions.ExtensionArray | list:
    """A list of str/None as a pandas string array without a second pass of inference."""
    import pyarrow as pa

    try:
        return pd.array(pa.array(values, type=pa.string()), dtype="string")
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return values


def _objects(values: list) -> pd.Series:
    return pd.Series(values, dtype="object")


class _Skip(Exception):
    def __init__(self, line: int | None, field: str | None, message: str, code: str):
        super().__init__(message)
        self.line, self.field, self.message, self.code = line, field, message, code
