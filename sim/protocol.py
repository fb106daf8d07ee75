"""Parser for the firmware's record protocol (firmware/src/PROTOCOL.md is the reference).

parse_record() turns one console line into a Record; BootTranscript follows a whole boot's
console and sorts records into per-job outcomes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sim.errors import ProtocolError
from sim.timing import NS_PER_INSTRUCTION

SUPPORTED_PROTOCOL = 1

# Sample: @end id=3 status=ok ret=-5 run=26
# Sample: @out text="hello\n"
# A bare value is a word: letters, digits and _ . : + - (no '@', so a record that a cut-off
# one ran into cannot pass for one).
# A quoted value is written [^"\\]*(?:\\.[^"\\]*)*, the same strings as (?:\\.|[^"\\])* (no
# quote but an escaped one) matched a run at a time rather than a character at a time.
_QUOTED = r'"(?P<quoted>[^"\\]*(?:\\.[^"\\]*)*)"'
_RECORD = re.compile(r'@(?P<tag>[a-z]+)(?P<fields>(?: [a-z0-9_]+=(?:'
                     + _QUOTED.replace("?P<quoted>", "?:") + r'|[\w.:+-]*))*)')
_FIELD = re.compile(r' (?P<key>[a-z0-9_]+)=(?:' + _QUOTED + r'|(?P<bare>[\w.:+-]*))')
# The fields of a record _RECORD matched that has no quote: each is key=word, no space in it.
_BARE_FIELD = re.compile(r' ([a-z0-9_]+)=([^ ]*)')
# Escapes the firmware writes inside quotes: \" \\ \n \r \t \xHH
_ESCAPE = re.compile(r'\\(x[0-9a-fA-F]{2}|["\\nrt])')
_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t"}


def unescape(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        code = match.group(1)
        return chr(int(code[1:], 16)) if code[0] == "x" else _SIMPLE_ESCAPES[code]
    return _ESCAPE.sub(replace, text)


@dataclass(frozen=True)
class Record:
    tag: str
    fields: dict[str, str]
    line: str

    def text(self, key: str) -> str:
        try:
            return self.fields[key]
        except KeyError:
            raise ProtocolError(f"record has no field {key!r}: {self.line}") from None

    def int(self, key: str) -> int:
        value = self.text(key)
        try:
            return int(value, 0)
        except ValueError:
            raise ProtocolError(f"field {key}={value!r} is not a number: {self.line}") from None

    def optional_int(self, key: str) -> int | None:
        return self.int(key) if key in self.fields else None


def is_record(line: str) -> bool:
    return line.startswith("@")


def parse_record(line: str) -> Record:
    """Parse one record line; raise ProtocolError naming the line if it is malformed."""
    match = _RECORD.fullmatch(line)
    if match is None:
        raise ProtocolError(f"malformed record: {line!r}")
    tag, text = match.groups()
    pairs = _field_pairs(text)
    fields = dict(pairs)
    if len(fields) != len(pairs):
        twice = next(key for index, (key, _) in enumerate(pairs)
                     if key in dict(pairs[:index]))
        raise ProtocolError(f"malformed record (field {twice} twice): {line!r}")
    return Record(tag, fields, line)


def _field_pairs(text: str) -> list[tuple[str, str]]:
    """(key, value) of each field of a record's field text that _RECORD matched. Without a
    quote every field is key=word, so a simpler pattern is exact and costs half as much; a
    quoted value is unescaped only where it holds a backslash (most records have none)."""
    if '"' not in text:
        return _BARE_FIELD.findall(text)
    # findall: an empty quoted value and an empty bare one both come back as '', the same value
    return [(key, (unescape(quoted) if "\\" in quoted else quoted) if quoted else bare)
            for key, quoted, bare in _FIELD.findall(text)]


@dataclass
class LinkTranscript:
    """What the console said about loading and linking one module file of a job."""
    load: Record | None = None       # @load: where it landed
    linked: Record | None = None     # @linked: the image CRC after a successful link
    bindings: dict[str, int] = field(default_factory=dict)   # @bind: name -> slot value

    @property
    def link_ran(self) -> bool:
        return self.linked is not None or bool(self.bindings)


@dataclass
class JobTranscript:
    """What one boot's console said about one job."""
    job_id: str
    started: bool = False
    end: Record | None = None
    fault: Record | None = None      # @fault: a contained fault in the job's code
    timeout: Record | None = None    # @timeout: where the budget ran out
    integrity: Record | None = None  # @integrity: the firmware state it damaged
    abi: Record | None = None        # @abi: the callee-saved contract it broke
    module: LinkTranscript = field(default_factory=LinkTranscript)
    deps: dict[int, LinkTranscript] = field(default_factory=dict)   # by load order
    stdout: str = ""
    unresolved: list[str] = field(default_factory=list)
    noise: list[str] = field(default_factory=list)   # non-record or broken lines while it ran
    tampering: list[str] = field(default_factory=list)   # records out of place while it ran
    counts_instructions: bool = False   # its @end's phase figures are instructions (@timing)
    reset: Record | None = None      # @resume naming it: the system reset while it ran

    def link(self, record: Record) -> LinkTranscript:
        """The module file a @load/@bind/@linked record is about (its `dep` field, if any)."""
        if "dep" not in record.fields:
            return self.module
        dep = record.int("dep")
        if dep not in self.deps:
            self.deps[dep] = LinkTranscript()
        return self.deps[dep]


# Records about a job, and the field that names it. Each may appear only while that job runs
# (between its @job and its @end), except @integrity, which the firmware prints right after the
# @end of the job whose damage it found.
_JOB_FIELD = {"load": "id", "bind": "id", "linked": "id", "unresolved": "id", "end": "id",
              "fault": "job", "timeout": "job", "abi": "job", "integrity": "job"}


@dataclass
class BootTranscript:
    """A whole boot's console, sorted by job. Feed it lines in order.

    Every record is bound to the job that is running: the firmware runs the job list in order,
    one job at a time, so a record naming another job, a second @end, a record about a job after
    its @end, or a job that starts out of order cannot have come from the firmware's record
    writer. Such a record changes nobody's result; it is noted as tampering against the job
    that was running (or had just ended) when it appeared, whose run becomes an error.
    expected_ids, when given, is the order of the job list's ids.

    A system reset shows as a second @boot, the same as the first, then @resume naming the job
    the reset ended (or "-" between jobs): the firmware resumes the job list after it. A second
    @boot followed by anything else is a firmware that started its job list over (it does not
    resume): `restarted` is then set and nothing after it is read, since the host must end
    such a boot (sim/boot.py)."""
    expected_ids: list[str] | None = None
    boot: Record | None = None
    exit: Record | None = None
    jobs: dict[str, JobTranscript] = field(default_factory=dict)
    firmware_fault: Record | None = None   # a fault outside any job
    errors: list[Record] = field(default_factory=list)
    stray: list[str] = field(default_factory=list)   # lines that are not records
    malformed: list[str] = field(default_factory=list)
    started_now: str | None = None          # the job the line just fed started, if it did
    instruction_ns: int | None = None       # from @timing: the figures count instructions
    restarted: bool = False                 # after a reset, the job list started over
    _rebooted: bool = False                 # a second @boot came: its @resume must follow
    _current: JobTranscript | None = None   # the job between its @job and its @end
    _last: JobTranscript | None = None      # the job that started last (running or ended)
    _started_count: int = 0                 # jobs started so far: the next expected id's index

    def feed(self, line: str) -> None:
        self.started_now = None
        if self.restarted:
            return
        if not is_record(line):
            self._noise(self.stray, line)
            return
        try:
            record = parse_record(line)
        except ProtocolError:
            self._noise(self.malformed, line)
            return
        if self._rebooted and record.tag != "resume":
            self.restarted = True
            return
        handler = _HANDLERS.get(record.tag)
        if handler is None:
            self._noise(self.malformed, f"{line}  (unknown record tag)")
            return
        try:
            if self._belongs(record):
                handler(self, record)
        except ProtocolError as error:
            self._noise(self.malformed, f"{line}  ({error})")

    def _noise(self, kind: list[str], line: str) -> None:
        """Keep a line that is not a good record; a job running then cannot be trusted."""
        kind.append(line)
        if self._current is not None:
            self._current.noise.append(line)

    def _tampered(self, record: Record, why: str) -> None:
        """A record out of place: evidence against the job running (or just ended)."""
        suspect = self._current or self._last
        if suspect is not None:
            suspect.tampering.append(f"{why}: {record.line}")
        else:
            self.malformed.append(f"{record.line}  ({why}, before any job)")

    def _belongs(self, record: Record) -> bool:
        """Whether a record about a job is about the one running; note it otherwise."""
        key = _JOB_FIELD.get(record.tag)
        if key is None:
            return True
        named = record.text(key)
        if record.tag == "fault" and named == "-":   # the firmware's own fault
            return True
        if self._current is not None and named == self._current.job_id:
            return True
        if (record.tag == "integrity" and self._current is None and self._last is not None
                and named == self._last.job_id and self._last.integrity is None):
            return True
        where = (f"while job {self._current.job_id} ran" if self._current is not None
                 else "between jobs")
        self._tampered(record, f"@{record.tag} for job {named} {where}")
        return False

    def job(self, job_id: str) -> JobTranscript:
        found = self.jobs.get(job_id)   # (setdefault would build a transcript per record)
        if found is None:
            found = self.jobs[job_id] = JobTranscript(job_id)
        return found

    def _on_boot(self, record: Record) -> None:
        if record.int("proto") != SUPPORTED_PROTOCOL:
            raise ProtocolError(f"firmware speaks record protocol {record.text('proto')}, "
                                f"this suite {SUPPORTED_PROTOCOL}: {record.line}")
        if self.boot is None and not self.jobs:
            self.boot = record
        elif self.boot is not None and record.fields == self.boot.fields:
            self._rebooted = True   # a reset: the firmware came up again (_on_resume)
        else:
            self._tampered(record, "a second @boot, unlike the first")

    def _on_resume(self, record: Record) -> None:
        """After a reset's @boot: the job the reset ended, and the job list goes on after it.
        Whatever ran is over, and the firmware says its timing unit again."""
        if not self._rebooted:
            self._tampered(record, "@resume with no reset before it")
            return
        self._rebooted = False
        running, self._current = self._current, None
        self.instruction_ns = None
        named = record.text("job")
        if running is not None and named == running.job_id:
            running.reset = record
        elif running is not None:
            said = "as if no job ran" if named == "-" else f"after job {named}"
            # (no id for the job that ran: the evidence is its own, and ids depend on the batch)
            self._tampered(record, f"a reset while this job ran, which the firmware resumed "
                                   f"{said}")
        elif named != "-":
            self._tampered(record, f"a reset between jobs, which the firmware resumed after "
                                   f"job {named}")

    def _next_expected_id(self) -> str | None:
        if self.expected_ids is None:
            return None
        started = self._started_count
        return self.expected_ids[started] if started < len(self.expected_ids) else ""

    def _on_job(self, record: Record) -> None:
        job_id = record.text("id")
        expected = self._next_expected_id()
        if self._current is not None and not self._current.noise:
            self._tampered(record, f"@job {job_id} before job {self._current.job_id} ended")
            return
        # (after a broken line the running job's @end may be what was lost: the next job starts)
        if (job_id in self.jobs and self.jobs[job_id].started) or expected not in (None, job_id):
            self._tampered(record, f"@job {job_id} out of order (next in the job list: "
                                   f"{expected or 'none'})")
            return
        self._current = self._last = self.job(job_id)
        self._current.started = True
        self._started_count += 1
        self.started_now = job_id

    def _on_out(self, record: Record) -> None:
        if self._current is not None:
            self._current.stdout += record.text("text")
        elif self._last is not None:
            self._tampered(record, "@out between jobs")
        else:
            self.stray.append(record.text("text"))

    def _on_end(self, record: Record) -> None:
        assert self._current is not None   # _belongs let it through
        self._current.end = record
        self._current.counts_instructions = self.instruction_ns is not None
        self._current = None

    def _on_timing(self, record: Record) -> None:
        """The firmware took the job list's timing directive: from here on its figures are
        instructions of the instruction time the host gave. Printed between jobs, once."""
        if self._current is not None or self.instruction_ns is not None:
            self._tampered(record, "@timing while a job ran, or a second one")
            return
        if record.text("unit") != "instructions" or record.int("ns_per_instruction") != \
                NS_PER_INSTRUCTION:
            raise ProtocolError(f"the firmware counts other than the {NS_PER_INSTRUCTION} ns "
                                f"instructions the job list gave: {record.line}")
        self.instruction_ns = NS_PER_INSTRUCTION

    def _on_fault(self, record: Record) -> None:
        job_id = record.text("job")
        if job_id == "-":
            self.firmware_fault = record
        elif self.job(job_id).fault is None:  # the first fault is the cause; later ones follow
            self.job(job_id).fault = record

    def _on_load(self, record: Record) -> None:
        self.job(record.text("id")).link(record).load = record

    def _on_bind(self, record: Record) -> None:
        link = self.job(record.text("id")).link(record)
        link.bindings[record.text("name")] = record.int("addr")

    def _on_linked(self, record: Record) -> None:
        self.job(record.text("id")).link(record).linked = record

    def _on_unresolved(self, record: Record) -> None:
        self.job(record.text("id")).unresolved.append(record.text("name"))

    def _on_timeout(self, record: Record) -> None:
        self.job(record.text("job")).timeout = record

    def _on_integrity(self, record: Record) -> None:
        self.job(record.text("job")).integrity = record

    def _on_abi(self, record: Record) -> None:
        self.job(record.text("job")).abi = record

    def _on_error(self, record: Record) -> None:
        self.errors.append(record)

    def _on_exit(self, record: Record) -> None:
        self.exit = record


# Each record tag's handler, BootTranscript._on_<tag>: looked up once here, not per line.
_HANDLERS = {name.removeprefix("_on_"): handler for name, handler in vars(BootTranscript).items()
             if name.startswith("_on_")}
