"""Sentence segmentation: abbreviations, initials and quotes do not end sentences; paragraphs do."""

from kpolicy.extract.sentences import paragraph_index, sentence_spans


def split(text):
    return [text[a:b] for a, b in sentence_spans(text)]


def test_abbreviations_and_initials_do_not_end_sentences():
    text = ("The U.S. envoy met Dr. Kim on Jan. 8 in Seoul. Gen. Park said N. Korea fired a missile, "
            "e.g. a KN-23. Then talks resumed.")
    assert split(text) == [
        "The U.S. envoy met Dr. Kim on Jan. 8 in Seoul.",
        "Gen. Park said N. Korea fired a missile, e.g. a KN-23.",
        "Then talks resumed.",
    ]


def test_acronym_at_sentence_end_before_a_new_sentence():
    text = "Pyongyang rejected dialogue with the U.S. North Korea wants concessions first."
    assert split(text) == ["Pyongyang rejected dialogue with the U.S.", "North Korea wants concessions first."]


def test_quotes_and_paragraph_breaks():
    text = 'He said "we will never give up." The talks ended\n\nwithout a date. A new line'
    assert split(text) == ['He said "we will never give up."', "The talks ended", "without a date.", "A new line"]


def test_single_line_breaks_end_headlines_unless_the_text_is_hard_wrapped():
    text = "Minister says talks are needed\nSEOUL, July 18 -- The minister said so on Thursday."
    assert split(text) == ["Minister says talks are needed", "SEOUL, July 18 -- The minister said so on Thursday."]
    wrapped = "\n".join(["North Korea said on Monday that it would hold a plenary meeting of the"] +
                        ["party central committee later this month to discuss the economy and its"] * 4 +
                        ["relations with the United States, state media reported on Tuesday."])
    assert len(split(wrapped)) == 1


def test_spans_index_the_text_and_paragraphs_are_counted():
    text = "  One. Two.\n\nThree."
    spans = sentence_spans(text)
    assert [text[a:b] for a, b in spans] == ["One.", "Two.", "Three."]
    assert paragraph_index(text, spans) == [0, 0, 1]
