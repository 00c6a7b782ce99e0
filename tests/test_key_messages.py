"""Key messages for ICS leaders (data/raw/key_messages.yaml): loaded in order, validated with lines."""

from __future__ import annotations

import pytest

from ics_leadership.core.errors import DataValidationError
from ics_leadership.facts.key_messages import KEY_MESSAGES_FILE, load_key_messages

from conftest import RAW, replace_in


def test_the_messages_load_in_file_order_with_their_basis():
    messages = load_key_messages(RAW / KEY_MESSAGES_FILE)
    assert [m.id for m in messages][:3] == ["distinct_contribution", "what_it_achieves", "well_placed"]
    assert len(messages) == 9
    first = messages[0]
    assert first.location == "Conclusions" and first.basis == "stated" and not first.inferred
    # folded YAML text reads as one line
    assert first.message.startswith("Clinical leaders can make a distinct and significant contribution")
    assert "\n" not in first.message and "  " not in first.message
    inferred = [m for m in messages if m.inferred]
    assert [m.id for m in inferred] == ["more_than_one_tier"] and inferred[0].reason.startswith("The paper associates")


def test_every_problem_is_named_with_its_line(raw_copy):
    path = raw_copy / KEY_MESSAGES_FILE
    replace_in(path, "  - id: what_it_achieves\n", "  - id: distinct_contribution\n")
    replace_in(path, '    location: "Discussion, para 3"\n    basis: stated\n', '    location: " "\n    basis: said\n')
    replace_in(path, "    reason: >-\n", "    note: >-\n")
    lines = path.read_text(encoding="utf-8").splitlines()

    def line_of(text: str, after: int = 0) -> int:
        return lines.index(text, after) + 1

    first = line_of("  - id: distinct_contribution")
    with pytest.raises(DataValidationError) as info:
        load_key_messages(path)
    assert [(p.line, p.field, p.message) for p in info.value.problems] == [
        (
            line_of("  - id: distinct_contribution", first),
            "messages[1].id",
            f"message id 'distinct_contribution' appears twice (first at line {first})",
        ),
        (line_of('    location: " "'), "messages[2].location", "must not be blank"),
        (line_of("    basis: said"), "messages[2].basis", "'said' is not one of: stated, inferred"),
        (line_of("  - id: more_than_one_tier"), "messages[8].reason", "an inferred message needs a reason"),
        (
            line_of("    note: >-"),
            "messages[8].note",
            "unknown field (allowed: basis, headline, id, location, message, reason)",
        ),
    ]


def test_astral_text_and_crlf_load(tmp_path):
    path = tmp_path / "key messages 𝒜.yaml"
    path.write_bytes(
        "messages:\r\n  - id: one\r\n    headline: Leaders 😀\r\n    message: >-\r\n      A 𝒜 message\r\n"
        "      on two lines.\r\n    location: Conclusions\r\n    basis: stated\r\n".encode()
    )
    (message,) = load_key_messages(path)
    assert message.headline == "Leaders 😀" and message.message == "A 𝒜 message on two lines."
