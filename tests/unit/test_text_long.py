"""Long accounts: the pieces of one paste join into one answer in order, nothing past the
limit is kept in part, and the reporter is told what was kept and what was not."""

from __future__ import annotations

from bot.conversation.dialog import DONE
from bot.conversation.long_text import PASTE
from bot.conversation.text import MAX_ACCOUNT_CHARS, MAX_MESSAGE_CHARS
from tests.dialogs.test_share_concern import walk_to

WORDS = "a youth worker noticed something worrying at the club tonight "


def paste(total: int, seed: str = WORDS) -> str:
    """A long account of ``total`` characters, as a reporter would paste it."""
    return (seed * (total // len(seed) + 1))[:total]


def pieces(text: str, size: int = MAX_MESSAGE_CHARS) -> list[str]:
    """``text`` cut as the Telegram app cuts a long paste: at its message limit."""
    return [text[at : at + size] for at in range(0, len(text), size)]


def test_a_message_of_4096_characters_the_most_telegram_delivers_is_taken_whole() -> None:
    walk = walk_to("interpretation")
    walk.text("y" * 4096)
    assert walk.state.answers["interpretation"] == "y" * 4096


def test_a_paste_of_4097_characters_in_two_messages_is_stored_whole_as_one_text() -> None:
    account = paste(4097)
    walk = walk_to("facts")
    for piece in pieces(account):
        walk.text(piece)
    walk.choose(DONE)
    assert walk.state.answers["facts"] == [account]
    assert PASTE not in walk.state.answers


def test_a_paste_cut_inside_a_word_or_at_a_space_joins_exactly_as_it_was_written() -> None:
    account = "x" * 4090 + " broken word" + "y" * 3000
    walk = walk_to("facts")
    for size in (4095, 4096, 4094):
        walk = walk_to("facts")
        for piece in pieces(account, size):
            walk.text(piece)
        assert walk.state.answers["facts"] == [account], size


def test_a_short_message_after_a_short_one_is_a_new_line_not_a_continuation() -> None:
    walk = walk_to("facts")
    walk.text("First.")
    walk.text("Second.")
    assert walk.state.answers["facts"] == ["First.", "Second."]


def test_a_paste_of_50000_characters_keeps_whole_pieces_up_to_the_limit_and_says_so() -> None:
    account = paste(50_000)
    sent = pieces(account)
    assert len(sent) == 13
    walk = walk_to("facts")
    said = []
    for piece in sent:
        walk.text(piece)
        said.append(walk.said.text)

    stored = "\n".join(walk.state.answers["facts"])
    assert stored == account[:16_384]  # four whole pieces, in order, no fragment after
    assert all(s.startswith("Noted") for s in said[:4])
    assert "can hold 3616 more characters (20000 in all)" in said[3]
    assert "can hold" not in said[2]  # 12,288 is under 80%
    assert said[4].startswith("Not added: that message (4096 characters) would take this")
    assert all("continues one that was not added" in s for s in said[5:])
    assert "Kept: 16384 characters, ending with “" in said[-1]
    assert account[:16_384].split()[-1] in said[-1]
    assert "Not added since then: 33616 characters in 9 messages" in said[-1]
    assert "You can still add 3615 characters" in said[-1]
    walk.choose(DONE)
    assert walk.state.step != "facts"
    assert walk.state.answers["facts"] == [account[:16_384]]


def test_after_a_refused_paste_a_new_short_message_is_added_again() -> None:
    walk = walk_to("facts")
    for piece in pieces(paste(50_000))[:6]:
        walk.text(piece)
    walk.text(paste(900))  # not a piece: the paste is over
    assert "continues one that was not added" in walk.said.text
    walk.text("One more remark.")
    assert walk.said.text.startswith("Noted (16401 characters so far)")
    assert walk.state.answers["facts"][-1] == "One more remark."


def test_the_account_limit_holds_exactly() -> None:
    walk = walk_to("facts")
    walk.text("z" * (MAX_ACCOUNT_CHARS + 1))
    assert "facts" not in walk.state.answers
    assert "Nothing of this answer is kept yet" in walk.said.text
    walk.text("z" * MAX_ACCOUNT_CHARS)
    assert walk.state.answers["facts"] == ["z" * MAX_ACCOUNT_CHARS]


def test_a_paste_into_a_short_answer_joins_there_and_no_piece_lands_in_the_next_answer() -> None:
    account = paste(5000)
    walk = walk_to("interpretation")
    first, second = pieces(account)

    walk.text(first)
    assert walk.state.step == "interpretation"  # a piece: the paste goes on
    assert "5000" not in walk.said.text
    assert "Write more, or choose Done" in walk.said.text
    walk.text(second)

    assert walk.state.answers["interpretation"] == account
    assert "counter_signals" not in walk.state.answers
    assert walk.state.step == "counter_signals"
    assert PASTE not in walk.state.answers


def test_a_short_answer_that_ends_on_a_whole_piece_goes_on_with_done() -> None:
    walk = walk_to("counter_signals")
    walk.text("z" * MAX_MESSAGE_CHARS)
    assert walk.state.step == "counter_signals"

    walk.choose(DONE)

    assert walk.state.answers["counter_signals"] == "z" * MAX_MESSAGE_CHARS
    assert walk.state.step == "subject"


def test_a_paste_into_a_short_answer_past_the_limit_is_refused_whole_and_said() -> None:
    walk = walk_to("interpretation")
    sent = pieces(paste(MAX_ACCOUNT_CHARS + 5000))
    for piece in sent:
        walk.text(piece)

    kept = walk.state.answers["interpretation"]
    assert isinstance(kept, str)
    assert len(kept) <= MAX_ACCOUNT_CHARS
    assert walk.state.step == "interpretation"
    assert "Not added" in walk.said.text
    assert "counter_signals" not in walk.state.answers
