"""A message keeps its template and values (a Text) wherever it goes before the API says it in the
reader's language: through clipping, through the engine worker's pipe, out of a failing script."""
import pickle

from workflow_app.engine.errors import ScriptError, bounded_text
from workflow_app.engine.scripting import describe_error
from workflow_app.services.errors import MAX_MESSAGE_CHARS, Text, bounded_errors, clip, tr


def test_a_short_text_passes_clipping_untouched():
    text = tr("unknown property %(name)s", name="'colour'")
    assert clip(text) is text
    assert bounded_errors({"file": [text]})["file"][0] is text


def test_a_long_text_is_shortened_in_its_longest_value_and_keeps_its_template():
    text = tr("the procedure could not continue (BPMN element %(element)s): %(reason)s", element="bad",
              reason="KeyError: '" + "a" * 1000 + "'")
    clipped = clip(text)
    assert isinstance(clipped, Text) and clipped.template == text.template
    assert len(clipped) <= MAX_MESSAGE_CHARS and clipped.params["element"] == "bad"
    assert clipped.startswith("the procedure could not continue (BPMN element bad): KeyError: 'aaa")
    assert clipped.params["reason"].endswith("… (1012 characters)")


def test_a_long_plain_string_is_clipped_with_a_translatable_note():
    clipped = clip("x" * 1000)
    assert clipped == "x" * MAX_MESSAGE_CHARS + "… (1000 characters)"
    assert isinstance(clipped, Text) and clipped.params["length"] == 1000


def test_a_text_crosses_the_engine_workers_pipe_whole():
    """The worker's replies are pickled (multiprocessing.connection): a Text comes back a Text."""
    text = tr("%(error)s (script line %(line)d)", error=tr("result of %(operation)s is too large", operation="**"),
              line=2)
    back = pickle.loads(pickle.dumps(("error", "EngineError", text, "bad")))[2]
    assert isinstance(back, Text) and back == text == "result of ** is too large (script line 2)"
    assert back.template == text.template and isinstance(back.params["error"], Text)
    assert back.params["error"].params == {"operation": "**"}


def test_our_own_refusal_is_its_text_and_pythons_error_its_type_and_words():
    refusal = ScriptError(tr("script used too much memory"))
    assert isinstance(describe_error(refusal), Text) and describe_error(refusal) == "script used too much memory"
    assert isinstance(bounded_text(refusal), Text)
    assert describe_error(KeyError(1)) == "KeyError: 1"


def test_a_long_python_error_is_clipped_once_in_its_words_keeping_its_type_and_length():
    framed = tr("the procedure could not continue (BPMN element %(element)s): %(reason)s", element="bad",
                reason=tr("%(error)s (script line %(line)d)", error=describe_error(KeyError("k" * 2000)), line=1))
    clipped = clip(framed)
    assert len(clipped) <= MAX_MESSAGE_CHARS and clipped.template == framed.template
    assert clipped.startswith("the procedure could not continue (BPMN element bad): KeyError: 'kkk")
    assert clipped.endswith("k… (2002 characters) (script line 1)") and clipped.count("characters") == 1
