"""Issue 15.3: actors found by a unique surname; suggestions offer each actor once, people's
and states' names first; short fixed vocabularies are listed in the message."""

from __future__ import annotations

from conftest import Cli


def test_a_unique_surname_finds_the_person(sqlite_db):
    cli = Cli(sqlite_db)
    by_surname = cli("events", "-f", "csv", "--actor", "Moon")
    assert by_surname.exit_code == 0, by_surname.stderr
    assert by_surname.stdout == cli("events", "-f", "csv", "--actor", "Moon Jae-in").stdout


def test_a_shared_surname_is_not_guessed(sqlite_db):
    result = Cli(sqlite_db)("events", "--actor", "Kim")
    assert result.exit_code == 2
    assert "actor 'Kim' is ambiguous" in result.stderr and "'Kim Jong-un'" in result.stderr


def test_a_misspelt_state_is_offered_once(sqlite_db):
    result = Cli(sqlite_db)("events", "--actor", "Nort Korea")
    assert result.exit_code == 2
    assert "(did you mean 'North Korea'?)" in result.stderr
    assert result.stderr.count("'") == 4  # the word and one suggestion, nothing else quoted


def test_people_and_states_rank_first(sqlite_db):
    result = Cli(sqlite_db)("events", "--actor", "Moscw")
    assert result.exit_code == 2
    assert "did you mean 'Russia'" in result.stderr
    assert "Moscow" not in result.stderr  # the actor's name, not the alias spelling


def test_an_unknown_review_state_lists_the_states(sqlite_db):
    result = Cli(sqlite_db)("events", "--review", "curated")
    assert result.exit_code == 2
    assert "unknown review state 'curated'" in result.stderr
    assert "reviewed, extracted, rejected" in result.stderr
    assert result.stderr.count("\n") == 1
