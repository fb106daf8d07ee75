"""The record parser: one record per line, quoted text unescaped, a boot sorted into jobs."""

from __future__ import annotations

import pytest

from sim.errors import ProtocolError
from sim.protocol import BootTranscript, parse_record, unescape


def test_fields_of_each_kind() -> None:
    record = parse_record('@end id=3 status=ok ret=-5 run=26 pc=0x080001d8 msg="a b"')
    assert record.tag == "end"
    assert record.fields == {"id": "3", "status": "ok", "ret": "-5", "run": "26",
                             "pc": "0x080001d8", "msg": "a b"}
    assert record.int("ret") == -5 and record.int("pc") == 0x080001D8
    assert record.optional_int("bfar") is None


def test_escapes_match_the_firmware() -> None:
    assert unescape(r"hello\n\t\"q\" \\ \x01\xff") == 'hello\n\t"q" \\ \x01\xff'
    record = parse_record(r'@out text="say \"@end id=1\"\n"')
    assert record.fields == {"text": 'say "@end id=1"\n'}


@pytest.mark.parametrize("line, fields", [
    ("@end", {}),
    ("@end id=", {"id": ""}),
    ('@end id=""', {"id": ""}),
    ("@end id=1 ret= run=2", {"id": "1", "ret": "", "run": "2"}),
    ('@bind id=1 name="memcmp" addr=0x1', {"id": "1", "name": "memcmp", "addr": "0x1"}),
    (r'@out text="a\" b=1" c=2', {"text": 'a" b=1', "c": "2"}),
    (r'@out text="\\" b=""', {"text": "\\", "b": ""}),
    ('@out text="é @end id=1"', {"text": "é @end id=1"}),
])
def test_fields_with_and_without_quotes(line: str, fields: dict[str, str]) -> None:
    """Records without a quote take a quicker path than quoted ones: both read the same."""
    assert parse_record(line).fields == fields


@pytest.mark.parametrize("line", ["@end id=1 id=2", '@out id=1 text="x" id=1',
                                  '@out text="a" text=""'])
def test_a_field_twice_is_refused_either_way(line: str) -> None:
    with pytest.raises(ProtocolError, match=r"field (id|text) twice"):
        parse_record(line)


@pytest.mark.parametrize("line", ['@out text="a"b', r'@out text="a\"', '@out text="a" b="',
                                  "@end id=a@b", "@end id=1\t", '@out text=""""'])
def test_broken_quotes_and_words_are_refused(line: str) -> None:
    with pytest.raises(ProtocolError, match="malformed record"):
        parse_record(line)


@pytest.mark.parametrize("line", ["@", "@end id", '@out text="open', "@END x=1", "@end  id=1",
                                  "@end id=1 trailing"])
def test_malformed_records_are_refused(line: str) -> None:
    with pytest.raises(ProtocolError, match="malformed record"):
        parse_record(line)


def test_missing_or_bad_fields_name_the_line() -> None:
    record = parse_record("@end id=1 ret=abc")
    with pytest.raises(ProtocolError, match="no field 'status'"):
        record.text("status")
    with pytest.raises(ProtocolError, match="not a number"):
        record.int("ret")


BOOT = """\
@boot proto=1 fw=0.1.0 board=stm32vldiscovery cpuid=0x412fc231 fpu=0 timer=systick clock=24000000 arena=0x20000ee8 arena_bytes=4096
@job id=0 kind=diag target=add
@out text="part one "
@out text="and two\\n"
@end id=0 status=ok ret=107 run=5
@job id=1 kind=diag target=unmapped_read
@fault job=1 exc=5 cfsr=0x00008200 hfsr=0x00000000 bfar=0x60000000 excret=0xfffffff9 sp=0x20000588 pc=0x080001d4 lr=0x0800023b
@exit status=3"""


def test_transcript_sorts_records_into_jobs() -> None:
    transcript = BootTranscript()
    for line in BOOT.splitlines() + ["qemu says hello", "@bogus x=1"]:
        transcript.feed(line)
    assert transcript.boot is not None and transcript.boot.text("board") == "stm32vldiscovery"
    first, second = transcript.jobs["0"], transcript.jobs["1"]
    assert first.stdout == "part one and two\n" and first.end is not None
    assert first.end.int("ret") == 107
    assert second.started and second.end is None and second.fault is not None
    assert second.fault.int("bfar") == 0x60000000
    assert transcript.exit is not None and transcript.exit.int("status") == 3
    assert transcript.stray == ["qemu says hello"]
    assert transcript.malformed == ["@bogus x=1  (unknown record tag)"]


def test_firmware_fault_is_not_blamed_on_a_job() -> None:
    transcript = BootTranscript()
    transcript.feed("@fault job=- exc=3 cfsr=0x00000000 hfsr=0x40000000")
    assert transcript.firmware_fault is not None and not transcript.jobs


def test_other_protocol_version_is_reported() -> None:
    transcript = BootTranscript()
    transcript.feed("@boot proto=9 board=x")
    assert transcript.boot is None
    assert "protocol 9" in transcript.malformed[0]


def test_containment_records() -> None:
    transcript = BootTranscript()
    for line in ["@job id=4 kind=module target=\"4.cmod\"",
                 "@timeout job=4 pc=0x20001010 lr=0x08000841",
                 "@end id=4 status=timeout",
                 "@job id=5 kind=module target=\"5.cmod\"",
                 "@abi job=5 sp_expected=0x20000400 sp=0x200003f8 r4=0x00000000",
                 "@end id=5 status=fault",
                 "@integrity job=5 damaged=arena_canary"]:
        transcript.feed(line)
    assert transcript.jobs["4"].timeout is not None and transcript.jobs["4"].end is not None
    assert transcript.jobs["5"].abi.int("sp") == 0x200003F8
    assert transcript.jobs["5"].integrity.text("damaged") == "arena_canary"
    assert not transcript.malformed


def test_a_record_a_cut_one_ran_into_is_malformed() -> None:
    with pytest.raises(ProtocolError, match="malformed record"):
        parse_record("@end id=@end id=0 status=ok ret=0 run=419")
    with pytest.raises(ProtocolError, match="field id twice"):
        parse_record("@end id=3 id=4 status=ok")


def _transcript(lines: list[str], expected: list[str] | None = None) -> BootTranscript:
    transcript = BootTranscript(expected_ids=expected)
    for line in lines:
        transcript.feed(line)
    return transcript


def test_a_forged_end_for_another_job_is_tampering_not_a_result() -> None:
    """Job 1 is running; an @end for job 0 (already ended) and one for job 2 (not started)
    change neither; both are evidence against job 1."""
    seen = _transcript(["@job id=0 kind=diag target=add", "@end id=0 status=ok ret=7 run=5",
                        "@job id=1 kind=diag target=add",
                        "@end id=0 status=ok ret=42 run=5", "@end id=2 status=ok ret=1 run=5",
                        "@end id=1 status=ok ret=3 run=5"], ["0", "1", "2"])
    assert seen.jobs["0"].end.int("ret") == 7 and not seen.jobs["0"].tampering
    assert "2" not in seen.jobs
    assert seen.jobs["1"].end.int("ret") == 3
    assert [t.split(":")[0] for t in seen.jobs["1"].tampering] == [
        "@end for job 0 while job 1 ran", "@end for job 2 while job 1 ran"]


def test_records_after_an_end_and_a_second_end_are_tampering() -> None:
    seen = _transcript(["@job id=0 kind=diag target=add", "@end id=0 status=ok ret=7 run=5",
                        "@end id=0 status=ok ret=9 run=5", "@out text=\"late\"",
                        "@integrity job=1 damaged=exports"], ["0", "1"])
    assert seen.jobs["0"].end.int("ret") == 7 and seen.jobs["0"].stdout == ""
    assert len(seen.jobs["0"].tampering) == 3
    assert "1" not in seen.jobs


def test_integrity_right_after_its_jobs_end_is_not_tampering() -> None:
    seen = _transcript(["@job id=0 kind=diag target=add", "@end id=0 status=ok ret=7 run=5",
                        "@integrity job=0 damaged=exports"], ["0"])
    assert seen.jobs["0"].integrity is not None and not seen.jobs["0"].tampering


def test_a_job_out_of_order_or_twice_is_tampering() -> None:
    seen = _transcript(["@job id=0 kind=diag target=add", "@job id=5 kind=diag target=add",
                        "@end id=0 status=ok ret=1 run=5", "@job id=0 kind=diag target=add",
                        "@job id=1 kind=diag target=add", "@end id=1 status=ok ret=2 run=5"],
                       ["0", "1"])
    assert len(seen.jobs["0"].tampering) == 2 and seen.jobs["0"].end.int("ret") == 1
    assert not seen.jobs["1"].tampering and seen.jobs["1"].end.int("ret") == 2
    assert "5" not in seen.jobs


def test_started_now_names_the_job_a_line_started_and_only_that_line() -> None:
    transcript = BootTranscript(expected_ids=["0", "1"])
    seen = []
    for line in ["@job id=0 kind=diag target=add", "@end id=0 status=ok ret=1 run=5",
                 "@job id=7 kind=diag target=add", "@job id=1 kind=diag target=add"]:
        transcript.feed(line)
        seen.append(transcript.started_now)
    assert seen == ["0", None, None, "1"]   # job 7 is out of order: no job of the list starts


def test_timing_marks_the_ends_after_it_as_instructions_once_and_between_jobs() -> None:
    transcript = BootTranscript()
    for line in ["@job id=0 kind=diag target=add", "@end id=0 status=ok ret=1 run=53",
                 "@timing unit=instructions ns_per_instruction=64",
                 "@job id=1 kind=diag target=add", "@end id=1 status=ok ret=1 run=5",
                 "@timing unit=instructions ns_per_instruction=64"]:
        transcript.feed(line)
    assert not transcript.jobs["0"].counts_instructions
    assert transcript.jobs["1"].counts_instructions
    assert transcript.jobs["1"].tampering   # a second @timing: not the firmware's writer


def test_timing_in_another_unit_than_the_job_list_gave_is_refused() -> None:
    transcript = BootTranscript()
    transcript.feed("@timing unit=instructions ns_per_instruction=32")
    assert transcript.instruction_ns is None and transcript.malformed


BOOT_LINE = BOOT.splitlines()[0]
RESET_BATCH = [BOOT_LINE, "@timing unit=instructions ns_per_instruction=64",
               "@job id=0 kind=diag target=add", "@end id=0 status=ok ret=7 run=5",
               "@job id=1 kind=diag target=reset"]


def test_a_reset_the_firmware_resumes_after_is_the_running_jobs_outcome() -> None:
    """The second @boot, then @resume naming the job that ran: it was reset, the list goes on,
    and the firmware may say its timing unit again."""
    seen = _transcript([*RESET_BATCH, BOOT_LINE, "@resume job=1",
                        "@timing unit=instructions ns_per_instruction=64",
                        "@job id=2 kind=diag target=add", "@end id=2 status=ok ret=9 run=5"],
                       ["0", "1", "2"])
    assert seen.jobs["1"].reset is not None and seen.jobs["1"].end is None
    assert seen.jobs["2"].end.int("ret") == 9 and seen.jobs["2"].counts_instructions
    assert not seen.restarted and seen.jobs["1"].reset.text("job") == "1"
    assert not any(job.tampering for job in seen.jobs.values()) and not seen.malformed


def test_a_reset_between_jobs_resumes_with_no_job_named() -> None:
    seen = _transcript([*RESET_BATCH[:4], BOOT_LINE, "@resume job=-",
                        "@job id=1 kind=diag target=add"], ["0", "1"])
    assert seen.jobs["0"].reset is None and not seen.jobs["0"].tampering
    assert seen.jobs["1"].started and not seen.malformed


def test_a_resume_that_does_not_fit_the_running_job_is_tampering() -> None:
    """After job 1 ran, a resume naming job 0 (or none) would make the firmware's place in the
    list another than the host's: evidence against job 1, and no reset result for it."""
    for named in ("0", "-"):
        seen = _transcript([*RESET_BATCH, BOOT_LINE, f"@resume job={named}"], ["0", "1", "2"])
        assert seen.jobs["1"].reset is None
        assert "a reset while this job ran" in seen.jobs["1"].tampering[0]


def test_a_resume_without_a_reset_or_a_boot_unlike_the_first_is_tampering() -> None:
    seen = _transcript([*RESET_BATCH, "@resume job=1"], ["0", "1"])
    assert seen.jobs["1"].reset is None and "no reset before it" in seen.jobs["1"].tampering[0]
    other = BOOT_LINE.replace("board=stm32vldiscovery", "board=other")
    seen = _transcript([*RESET_BATCH, other, "@resume job=1"], ["0", "1"])
    assert seen.jobs["1"].reset is None
    assert [t.split(":")[0] for t in seen.jobs["1"].tampering] == [
        "a second @boot, unlike the first", "@resume with no reset before it"]


def test_a_firmware_that_starts_its_list_over_after_a_reset_is_noted_and_not_read_on() -> None:
    """A firmware without the resume record: after its second @boot comes the first job again.
    The host must end that boot; nothing after the second @boot is read."""
    seen = _transcript([*RESET_BATCH, BOOT_LINE, "@job id=0 kind=diag target=add",
                        "@end id=0 status=ok ret=8 run=5"], ["0", "1"])
    assert seen.restarted
    assert seen.jobs["0"].end.int("ret") == 7 and not seen.jobs["0"].tampering
    assert seen.jobs["1"].reset is None and not seen.jobs["1"].tampering
