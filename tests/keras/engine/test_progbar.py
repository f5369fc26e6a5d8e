"""keras.utils.Progbar: Keras 3's line format, averaging, and quiet non-terminal output."""

import io

from tensorweave.keras.utils.progbar import Progbar, format_per_step, format_value


class Tty(io.StringIO):
    def isatty(self):
        return True


def test_formats():
    assert format_value(0.0) == "0.0000e+00" and format_value(1.23456) == "1.2346"
    assert format_per_step(0.077) == "77ms/step" and format_per_step(2.0) == "2s/step"
    assert format_per_step(0.00035) == "350us/step"


def test_non_tty_prints_only_the_final_line_with_means():
    out = io.StringIO()
    bar = Progbar(4, stream=out)
    for i in range(4):
        bar.update(i + 1, [("loss", float(i))])
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("4/4 ━━━━━━━━━━━━━━━━━━━━ ")
    assert lines[0].endswith(" - loss: 1.5000")


def test_stateful_values_shown_as_given_and_tty_redraws():
    out = Tty()
    bar = Progbar(2, stream=out, stateful_metrics=["acc"], interval=0.0)
    bar.update(1, [("acc", 0.5)])
    bar.update(2, [("acc", 0.25)])
    text = out.getvalue()
    assert text.count("\r") == 2 and text.endswith("acc: 0.2500\n")
    assert "\x1b[32m" in text  # the done part of the bar is green on terminals


def test_verbose_2_and_unknown_target():
    out = io.StringIO()
    bar = Progbar(3, verbose=2, stream=out)
    bar.add(3, [("loss", 2.0)])
    assert out.getvalue().startswith("3/3 - ") and out.getvalue().endswith("loss: 2.0000\n")
    out = io.StringIO()
    bar = Progbar(None, stream=out)
    bar.update(5, finalize=True)
    assert out.getvalue().startswith("5 ")
