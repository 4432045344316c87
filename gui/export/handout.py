"""The lesson handout: a PDF with a cover and one page per Learn step, computed on the pupil's digit.

:func:`convlens.services.handout.build_handout` computes the numbers; this module words them in the app's language
(the lesson's own texts, context ``Lesson``, and the handout's, context ``Handout``) and lays them out on A4 pages
with :mod:`convlens.gui.export.page`, dark on white for a black-and-white printer. :func:`write_handout_pdf` writes
the PDF with Qt's ``QPdfWriter`` (atomically: a temp file beside the target, renamed when complete);
:func:`render_handout_page` draws the same page onto a ``QImage`` (previews, the README's picture, tests).

The pages: the cover (the digit as the network saw it, its answer with every probability, the date, the contents),
then the seven Learn steps in the lecture's order (:data:`convlens.services.handout.STEP_COUNT`).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QCoreApplication, QDate, QLocale, QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter, QPdfWriter, QPen

from convlens.engine import __version__
from convlens.engine.atomic import atomic_path
from convlens.engine.lesson_data import format2
from convlens.gui.export.page import (
    A4_MM,
    INK,
    PRINT_DPI,
    Block,
    Outline,
    Page,
    bars_block,
    column_block,
    fit_pt,
    grid_block,
    picture_block,
    plot_block,
    row_block,
    scale_block,
    table_block,
    text_block,
)
from convlens.gui.lesson import step_conv1d, step_conv2d, step_tensors
from convlens.gui.lesson.common import number_text, signed_terms, translate
from convlens.gui.lesson.panel import STEP_MODULES
from convlens.services.handout import Handout, Stage

__all__ = ["handout_page_count", "page_texts", "render_handout_page", "tr", "write_handout_pdf"]


def tr(text: str) -> str:
    """``QCoreApplication.translate("Handout", text)``: the handout's own texts."""
    return QCoreApplication.translate("Handout", text)


def handout_page_count(handout: Handout) -> int:
    """Pages of the handout: the cover and one per Learn step."""
    return 1 + len(handout.steps())


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def _minus(text: str) -> str:
    """A typographic minus in printed numbers (``-0.11`` -> ``−0.11``)."""
    return text.replace("-", "−")


def _num(v: float) -> str:
    return _minus(number_text(v))


def _two(v: float) -> str:
    return _minus(format2(v))


def _shape_cell(formula: tuple[str, str], shape: tuple[int, int]) -> str:
    """A table cell of page 5: the output-shape formula of both axes (one line when they are the same)."""
    h, w = formula
    result = f"⇒ <b>{shape[0]} × {shape[1]}</b>"
    if h == w:
        return _esc(f"H, W: {h}") + "  " + result
    return _esc(f"H: {h}") + "<br>" + _esc(f"W: {w}") + "  " + result


def _percent(p: float) -> str:
    return f"{round(100 * float(p))}%"


class _HandoutPages:
    """Draws page ``index`` of one handout onto a painter (see :meth:`draw`)."""

    def __init__(self, handout: Handout, language: str) -> None:
        self.h = handout
        self.locale = QLocale(language)
        cover_date = handout.cover.date
        self.date = self.locale.toString(QDate(cover_date.year, cover_date.month, cover_date.day),
                                         QLocale.FormatType.LongFormat)
        self.pages: list[Callable[[Page], None]] = [
            self._cover, self._pixels, self._tensors, self._conv1d, self._conv2d, self._stride, self._pooling,
            self._stacking,
        ]
        self.texts: list[list[str]] = [[] for _ in self.pages]
        """The words of each page as drawn (for tests and for searching the PDF)."""
        self._current = 0

    def __len__(self) -> int:
        return len(self.pages)

    def draw(self, painter: QPainter, dpi: float, index: int) -> None:
        """Draw page ``index`` (0: the cover) on ``painter``'s device, a white A4 page at ``dpi``."""
        self._current = index
        self.texts[index] = []
        page = Page(painter, dpi)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        footer = tr("Page {0} of {1}").format(index + 1, len(self.pages))
        header = tr("ConvLens · Lesson handout")
        self._note(header, footer)
        page.frame(header, self.date, footer)
        self.pages[index](page)
        painter.restore()

    # -- helpers -------------------------------------------------------------------------------------------------
    def _note(self, *texts: str) -> None:
        self.texts[self._current].extend(t for t in texts if t)

    def _text(self, page: Page, html_text: str, pt: float = 10.0, bold: bool = False, gap_mm: float = 2.5) -> None:
        self._note(html_text)
        page.text(html_text, pt=pt, bold=bold, gap_mm=gap_mm)

    def _heading(self, page: Page, text: str, pt: float = 12.0) -> None:
        self._note(text)
        page.heading(text, pt=pt)

    def _block(self, page: Page, html_text: str, width_mm: float, pt: float = 9.0, bold: bool = False) -> Block:
        self._note(html_text)
        return text_block(page, html_text, page.mm(width_mm), pt, bold)

    def _caption(self, text: str) -> str:
        self._note(text)
        return _esc(text)

    def _step_start(self, page: Page, step: int) -> None:
        module = STEP_MODULES[step]
        self._heading(page, translate(module.TITLE), pt=16)
        page.space(1)
        self._text(page, translate(getattr(module, "PRINTED_INTRO", module.INTRO)))

    # -- the cover -----------------------------------------------------------------------------------------------
    def _cover(self, page: Page) -> None:
        cover = self.h.cover
        page.space(4)
        self._heading(page, tr("How a neural network reads your digit"), pt=22)
        self._text(page, _esc(tr("A lesson handout made with ConvLens")), pt=12)
        self._text(page, _esc(tr("Made on {0} with ConvLens {1}; model: {2}").format(
            self.date, __version__, cover.model_name or tr("none"))), pt=9)
        page.space(4)
        picture = picture_block(
            page, cover.image28, 62,
            caption=self._caption(tr("Your digit as the network saw it")),
            below=self._caption(tr("28 × 28 pixels, printed dark on white (the network sees white on black)")),
        )
        if cover.probabilities is None or cover.digit is None:
            answer = self._block(page, _esc(tr("No model was loaded, so there is no answer.")), 90, 12)
            page.place_row([picture, answer])
        else:
            p = cover.probabilities
            digit = cover.digit
            words = self._block(
                page,
                "<span style='font-size:large'>" + _esc(tr("The network's answer:")) + "</span><br>"
                + f"<span style='font-size:72pt; font-weight:bold'>{digit}</span><br>"
                + _esc(tr("{0}% sure").format(round(100 * float(p[digit])))),
                90, 14,
            )
            page.place_row([picture, words])
            page.space(2)
            self._heading(page, tr("The probability of each digit"))
            page.place(bars_block(page, list(p), [str(k) for k in range(10)], A4_MM[0] - 30, 40, highlight=digit,
                                  value_text=_percent))
            self._text(page, _esc(tr("The black bar is the answer: the digit with the highest probability. "
                                     "The ten probabilities add up to 100%.")), pt=9)
        page.space(3)
        self._heading(page, tr("What is inside"))
        rows = [[_esc(translate(module.TITLE)), _esc(tr("page {0}").format(i + 2))]
                for i, module in enumerate(STEP_MODULES)]
        for row in rows:
            self._note(*row)
        page.place(table_block(page, [self._caption(tr("Learn step")), self._caption(tr("Page"))], rows, [5, 1],
                               width=page.mm(120), pt=10))

    # -- step 1: pixels ------------------------------------------------------------------------------------------
    def _pixels(self, page: Page) -> None:
        data = self.h.pixels
        self._step_start(page, 0)
        self._heading(page, tr("Your digit as numbers: 0 is no ink, 255 is full ink"), pt=11)
        page.place(grid_block(page, data.values, cell_mm=6.3, fmt=lambda v: f"{v:.0f}", shade="ink", scale=255.0,
                              row_labels=[str(r) for r in range(28)]))
        self._text(page, _esc(tr("Printed dark on white: the darker a cell, the larger its number. Rows are "
                                 "numbered on the left, from 0 at the top.")), pt=9)
        self._text(page, _esc(translate("28 × 28 image ⇒ 784 input numbers; {0} of them are not 0. "
                                        "Flattened, they are the 784 inputs of a fully connected network.")
                              .format(data.nonzero)))

    # -- step 2: tensors -----------------------------------------------------------------------------------------
    def _tensors(self, page: Page) -> None:
        data = self.h.tensors
        self._step_start(page, 1)
        self._heading(page, translate("Your image as tensors"))
        names = [translate("Scalar"), translate("Vector"), translate("Matrix"), translate("Tensor"),
                 translate("Tensor (a batch)")]
        what = [
            translate("pixel [14, 14] = {0}"),
            translate("row 14 = {0}"),
            translate("the whole image"),
            translate("the image with its channel axis (1 channel: gray)"),
            translate("a batch of 1 image: what the network reads"),
        ]
        rows = []
        for order, shape, preview in data.orders:
            example = what[order].format(preview) if order < 2 else what[order]
            shape_text = str(shape) if shape else translate("no shape ()")
            rows.append([str(order), _esc(names[order]), _esc(example), _esc(shape_text)])
            self._note(names[order], example, shape_text)
        headers = [translate("Order"), translate("Name"), translate("Example from your image"), translate("Shape")]
        self._note(*headers)
        page.place(table_block(page, [_esc(h) for h in headers], rows, [1, 2, 6, 2.4]))
        self._heading(page, translate("The batch and the filters"))
        self._text(page, _esc(translate(
            "Input: (N, H, W, C) = {0}: N images, H rows, W columns, C channels. "
            "The MNIST training set is one tensor of shape (60000, 28, 28, 1). "
            "A conv layer's filters are an order-4 tensor (H_f, W_f, C_in, C_out).").format(data.batch_shape)))
        filter_rows = []
        for name, shape in data.filters:
            h_f, w_f, c_in, c_out = shape
            meaning = (
                translate("{0} filters of {1} × {2} cells, each reading 1 channel: {0} output channels")
                if c_in == 1
                else translate("{0} filters of {1} × {2} cells, each reading {3} channels: {0} output channels")
            ).format(c_out, h_f, w_f, c_in)
            filter_rows.append([_esc(name), _esc(str(shape)), _esc(meaning)])
            self._note(meaning)
        if not filter_rows:
            filter_rows = [["—", "—", _esc(translate("No model loaded yet"))]]
        headers = [translate("Layer"), translate("Filters (H_f, W_f, C_in, C_out)"), translate("Meaning")]
        self._note(*headers)
        page.place(table_block(page, [_esc(h) for h in headers], filter_rows, [1.3, 2.6, 6]))
        grids = [grid_block(page, f, cell_mm=7, fmt=_num) for f in data.lecture_filters]
        stacked = (3, 3, 1, len(data.lecture_filters))
        words = self._block(page, _esc(translate("The lecture's two 3 × 3 filters stacked: one conv tensor of shape "
                                                 "{0}.").format(stacked)), 110, 10)
        page.place_row([*grids, words], gap_mm=5)
        self._colour_images(page)

    def _colour_images(self, page: Page) -> None:
        self._heading(page, translate("Colour images"))
        colour = step_tensors.load_colour_example()
        names = (translate("Red channel"), translate("Green channel"), translate("Blue channel"))
        blocks = [
            picture_block(page, colour[:, :, c].astype(np.float64), 26, caption=self._caption(name))
            for c, name in enumerate(names)
        ]
        words = self._block(page, translate(
            "This picture is an array of shape <b>{0}</b>; its red channel is <tt>{1}</tt>. "
            "Same numbers, different order of the axes.").format(tuple(colour.shape), "image[:, :, 0]")
            + "<br>" + _esc(tr("Each channel is printed as its own gray picture: darker is more of that colour.")),
            80, 9)
        page.place_row([*blocks, words], gap_mm=4)

    # -- step 3: 1D convolution ----------------------------------------------------------------------------------
    def _conv1d(self, page: Page) -> None:
        data = self.h.conv1d
        self._step_start(page, 2)
        self._text(page, translate(step_conv1d.OPERATION))
        kernel_name = translate(str(step_conv1d.KERNEL1D_LABELS[data.kernel_key]))
        self._text(page, _esc(tr("Signal f: row {0} of your digit. Kernel g: {1}.").format(data.row, kernel_name)))
        step = data.step
        length = data.output.size
        under = np.full(length, np.nan)
        products = np.full(length, np.nan)
        for idx, g_m, p in zip(step.f_indices, step.g_values, step.products, strict=True):
            if 0 <= idx < length:
                under[idx] = g_m
                products[idx] = p
        labels = [translate("f"), translate("g flipped at n"), translate("products"), translate("f ∗ g")]
        self._note(*labels)
        lo, hi = max(int(step.f_indices.min()), 0), min(int(step.f_indices.max()), length - 1)
        label_width = max(page.text_width(t, 8) for t in labels)
        cell_mm = min(6.0, (page.width - label_width - page.mm(3)) / page.dpi * 25.4 / length)
        rows = (data.signal, under, products, data.output)
        fmt: Callable[[float], str] = lambda v: _num(round(float(v), 2))  # noqa: E731 - one format for four rows
        texts = [fmt(v) for values in rows for v in values if np.isfinite(v)]
        pt = min(fit_pt(page, texts, page.mm(cell_mm)), 7.0)
        for k, (label, values) in enumerate(zip(labels, rows, strict=True)):
            outlines = [Outline(0, step.n, 1, 1, 0.7)] if k == 3 else [Outline(0, lo, 1, hi - lo + 1, 0.7)]
            page.place(grid_block(page, values[None, :], cell_mm=cell_mm, fmt=fmt, row_labels=[label],
                                  label_width=label_width, pt=pt, outlines=outlines), gap_mm=1.2)
        page.space(1)
        self._text(page, _esc(tr("Thick frame: the window at n = {0} (the largest output). Hatched cells are "
                                 "negative numbers.").format(step.n)), pt=9)
        terms = " + ".join(f"f[{idx}]·g[{m}]" for m, idx in zip(step.ms, step.f_indices, strict=True))
        factors = []
        for fv, gv, idx in zip(step.f_values, step.g_values, step.f_indices, strict=True):
            outside = "" if 0 <= idx < length else translate(" (outside: 0)")
            factors.append(f"{_num(round(float(fv), 2))}{_esc(outside)} × {_num(round(float(gv), 2))}")
        formula = (
            f"<b>(f ∗ g)[{step.n}]</b> = {terms}<br>= " + " + ".join(factors)
            + "<br>= " + _minus(signed_terms([round(float(p), 2) for p in step.products], "{:.2f}"))
            + f" = <b>{_minus(f'{step.total:.2f}')}</b>"
        )
        self._text(page, formula, pt=11)
        page.space(2)
        page.place(plot_block(page, [(data.signal, translate("f"), False), (data.output, translate("f ∗ g"), True)],
                              A4_MM[0] - 30, 62, x_label=self._caption(tr("position n"))))

    # -- step 4: 2D convolution ----------------------------------------------------------------------------------
    def _conv2d(self, page: Page) -> None:
        data = self.h.conv2d
        self._step_start(page, 3)
        self._text(page, translate(step_conv2d.OPERATION), pt=9.5)
        step = data.x_step
        x = grid_block(page, data.x_image, cell_mm=6.6, fmt=_num,
                       caption=self._caption(translate("The lecture's X (9 × 9)")),
                       outlines=[Outline(step.top, step.left, 3, 3, 0.8)])
        kernel = grid_block(page, data.x_kernel, cell_mm=6.6, fmt=_num,
                            caption=self._caption(translate(str(step_conv2d.PRESET_LABELS["diagonal"]))))
        output_caption = translate("Output {0} × {1}").format(*data.x_table.shape) + translate("  (sum / {0})").format(
            data.x_kernel.size)
        table = grid_block(page, data.x_table, cell_mm=8.6, fmt=_two, scale=1.0,
                           caption=self._caption(output_caption), outlines=[Outline(0, 0, 1, 1, 0.8)])
        page.place_row([x, kernel, table], gap_mm=6)
        products = [float(v) for v in step.products.ravel()]
        terms = signed_terms(products, "{:g}")
        self._text(page, _esc(translate("Window at row {0}, column {1}:").format(step.row, step.col))
                   + f"  ({_minus(terms)}) / {data.x_kernel.size} = <b>{_two(step.value)}</b>", pt=11)
        check = (translate("✓ This is exactly the lecture's 7 × 7 table.") if data.matches_lecture
                 else translate("✗ This differs from the lecture's table."))
        self._text(page, _esc(check) + " " + _esc(tr("Thick frames: the first window on the X and the number it "
                                                      "gives. Hatched cells are negative.")), pt=9)
        page.space(2)
        kernel_name = translate(str(step_conv2d.PRESET_LABELS[data.digit_kernel_key]))
        self._heading(page, tr("On your digit: {0}").format(kernel_name))
        digit = picture_block(page, data.digit, 48, caption=self._caption(translate("Your digit (28 × 28)")))
        digit_kernel = grid_block(page, data.digit_kernel, cell_mm=7, fmt=_num,
                                  caption=self._caption(tr("The filter")))
        out_caption = translate("Output {0} × {1}").format(*data.digit_map.shape) + translate("  (sum of products)")
        output = column_block(page, [
            picture_block(page, data.digit_map, 48, signed=True, caption=self._caption(out_caption)),
            scale_block(page, 48, *self._scale_words()),
        ])
        page.place_row([digit, digit_kernel, output], gap_mm=7)
        self._text(page, _esc(translate(
            "On your digit the output is what a conv layer computes before its bias and ReLU: "
            "large where the image looks like the filter.")), pt=10)

    def _scale_words(self) -> tuple[str, str, str]:
        words = (tr("most negative"), "0", tr("most positive"))
        self._note(*words)
        return words

    # -- step 5: stride and padding ------------------------------------------------------------------------------
    def _stride(self, page: Page) -> None:
        data = self.h.stride
        self._step_start(page, 4)
        self._text(page, "“" + _esc(translate("valid")) + "”: <b>H_out = floor((H − H_f) / s_h) + 1,  "
                   "W_out = floor((W − W_f) / s_w) + 1</b><br>“" + _esc(translate("same"))
                   + "”: <b>H_out = ceil(H / s_h),  W_out = ceil(W / s_w)</b>", pt=10)
        rows = []
        for row in data.rows:
            pad_word = translate(row.padding)
            rows.append([str(row.stride), _esc(pad_word), _shape_cell(row.x_formula, row.x_shape),
                         _shape_cell(row.digit_formula, row.digit_shape)])
            self._note(pad_word)
        headers = [tr("Stride"), tr("Padding"), tr("Output for the lecture's X (9 × 9)"),
                   tr("Output for your digit (28 × 28)")]
        self._note(*headers)
        self._text(page, _esc(tr("A 3 × 3 filter at the lecture's strides:")), pt=10, bold=True, gap_mm=1.5)
        page.place(table_block(page, [_esc(h) for h in headers], rows, [1.1, 1.1, 3.6, 3.6], pt=7.5))
        examples = []
        for example in data.examples:
            s_h, s_w = example.stride
            title = self._block(page, _esc(translate("Filter {0} × {1}, stride ({2}, {3}), padding “{4}”:").format(
                3, 3, s_h, s_w, translate(example.padding))), 86, 9, bold=True)
            caption = (translate("The X with padding: {0} × {1}") if example.padding == "same"
                       else translate("The X, no padding: {0} × {1}")).format(*example.x_padded.shape)
            cells = 4.3 if example.padding == "same" else 4.8
            left = grid_block(page, example.x_padded, cell_mm=cells, fmt=lambda v: f"{v:.0f}".replace("-", "−"),
                              pad_mask=example.pad_mask, pad_text="0", caption=self._caption(caption),
                              outlines=[Outline(0, 0, 3, 3, 0.8), Outline(0, s_w, 3, 3, 0.5, dashed=True)])
            right = grid_block(page, example.output, cell_mm=7.2, fmt=_two, scale=1.0,
                               caption=self._caption(translate("X output: {0} × {1}").format(*example.output.shape)),
                               outlines=[Outline(0, 0, 1, 1, 0.8), Outline(0, 1, 1, 1, 0.5, dashed=True)])
            examples.append(column_block(page, [title, row_block(page, [left, right], gap_mm=4)]))
        page.place_row(examples, gap_mm=8)
        self._text(page, _esc(tr("The lecture's diagonal filter, sum of products / 9. Cross-hatched cells are the "
                                 "zeros that “same” padding adds. Thick frame: the first window and its output; "
                                 "dashed frame: the next window, one stride further.")), pt=9)

    # -- step 6: max pooling -------------------------------------------------------------------------------------
    def _pooling(self, page: Page) -> None:
        data = self.h.pooling
        self._step_start(page, 5)
        h, w = data.table.shape
        frame_h, frame_w = 2 * data.pooled.shape[0], 2 * data.pooled.shape[1]
        values = np.full((frame_h, frame_w), np.nan)
        values[:h, :w] = data.table
        pad = np.ones((frame_h, frame_w), dtype=bool)
        pad[:h, :w] = False
        winners = np.zeros((frame_h, frame_w), dtype=bool)
        winners[:h, :w] = data.winners
        table = grid_block(page, values, cell_mm=9.6, fmt=_two, scale=1.0, pad_mask=pad,
                           pad_text=translate("pad"), bold=winners, rule_every=2,
                           caption=self._caption(translate("Feature map {0} × {1}").format(h, w)))
        pooled = grid_block(page, data.pooled, cell_mm=9.6, fmt=_two, scale=1.0, rule_every=1,
                            caption=self._caption(translate("Max pooled {0} × {1}").format(*data.pooled.shape)))
        page.place_row([table, pooled], gap_mm=14)
        window = data.table[:2, :2]
        self._text(page, _esc(translate("Window at row {0}, column {1}:").format(0, 0))
                   + f"  max({', '.join(_two(v) for v in window.ravel())}) = <b>{_two(float(window.max()))}</b>",
                   pt=11)
        check = (translate("✓ This is exactly the lecture's pooled 4 × 4 table.") if data.matches_lecture
                 else translate("✗ This differs from the lecture's pooled table."))
        self._text(page, _esc(check), pt=10)
        self._text(page, _esc(tr("Thick lines: the 2 × 2 windows. Bold and framed: the largest number of each "
                                 "window, the one that goes to the pooled map. Cross-hatched: padding, which is "
                                 "never the largest.")), pt=9)
        page.space(2)
        self._heading(page, translate("Your digit after the diagonal filter (26 × 26)"))
        digit_map = picture_block(page, data.digit_map, 60, signed=True,
                                  caption=self._caption(translate("Feature map {0} × {1}").format(
                                      *data.digit_map.shape)))
        digit_pooled = picture_block(page, data.digit_pooled, 60, signed=True,
                                     caption=self._caption(translate("Max pooled {0} × {1}").format(
                                         *data.digit_pooled.shape)))
        page.place_row([digit_map, digit_pooled], gap_mm=14)
        page.place(scale_block(page, 60, *self._scale_words()))

    # -- step 7: stacking ----------------------------------------------------------------------------------------
    def _stacking(self, page: Page) -> None:
        data = self.h.stacking
        self._step_start(page, 6)
        if not data.stages:
            self._text(page, _esc(translate("No model loaded yet.")))
            return
        groups = [(translate("Feature extraction"), [s for s in data.stages if s.feature]),
                  (translate("Classification"), [s for s in data.stages if not s.feature])]
        for k, (title, stages) in enumerate(groups):
            if k:
                self._text(page, "<center>↓</center>", pt=14, gap_mm=0.5)
            page.place(self._stage_group(page, title, stages), gap_mm=1)
        cover = self.h.cover
        page.space(3)
        if cover.digit is not None and cover.probabilities is not None:
            self._text(page, _esc(tr("Your digit was read as {0} ({1}% sure).").format(
                cover.digit, round(100 * float(cover.probabilities[cover.digit])))), pt=12, bold=True)

    def _stage_text(self, stage: Stage) -> str:
        kind = {"input": translate("Input"), "softmax": translate("Softmax: probabilities")}.get(stage.kind, stage.kind)
        self._note(kind)
        text = f"<b>{_esc(stage.name)}</b>  ·  {_esc(kind)}" if kind else f"<b>{_esc(stage.name)}</b>"
        return text + f"    →  {_esc(str(stage.shape))}"

    def _stage_group(self, page: Page, title: str, stages: list[Stage]) -> Block:
        """A framed group of stages, one box per stage with an arrow between them."""
        self._note(title)
        width = page.width
        inner = width - page.mm(10)
        head = text_block(page, _esc(title), inner, 11, bold=True)
        boxes = [text_block(page, self._stage_text(s), inner - page.mm(6), 10) for s in stages]
        pad = page.mm(2)
        arrow = page.mm(5)
        height = pad + head.height + pad + sum(b.height + 2 * pad for b in boxes) + arrow * max(0, len(boxes) - 1) + pad

        def draw(painter: QPainter, x: float, y: float) -> None:
            painter.save()
            pen = QPen(INK)
            pen.setWidthF(page.mm(0.35))
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(QRectF(x, y, width, height), page.mm(2), page.mm(2))
            cy = y + pad
            head.draw(painter, x + page.mm(5), cy)
            cy += head.height + pad
            for i, box in enumerate(boxes):
                if i:
                    mid = x + page.mm(12)
                    tip = QPointF(mid, cy - page.mm(1))
                    painter.drawLine(QPointF(mid, cy - arrow + page.mm(1)), tip)
                    painter.drawLine(QPointF(mid - page.mm(1.2), cy - page.mm(2.4)), tip)
                    painter.drawLine(QPointF(mid + page.mm(1.2), cy - page.mm(2.4)), tip)
                painter.drawRect(QRectF(x + page.mm(5), cy, inner, box.height + 2 * pad))
                box.draw(painter, x + page.mm(8), cy + pad)
                cy += box.height + 2 * pad + arrow
            painter.restore()

        return Block(width, height, draw)


def write_handout_pdf(handout: Handout, path: str | Path, language: str = "en", title: str | None = None) -> int:
    """Write the handout as a PDF (A4, one page per Learn step after the cover); returns the number of pages.

    The words are in the language whose catalogue is installed (``language`` sets the date's format). The file is
    written atomically: a temp file beside ``path`` becomes ``path`` only when complete, so a failure leaves no
    partial file (and any old file untouched).

    Raises
    ------
    OSError
        ``path`` cannot be written (its folder, or the PDF writer failed).
    """
    pages = _HandoutPages(handout, language)
    with atomic_path(path) as tmp:
        writer = QPdfWriter(str(tmp))
        writer.setResolution(PRINT_DPI)
        writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                         QMarginsF(0, 0, 0, 0)))
        writer.setTitle(title or tr("How a neural network reads your digit"))
        writer.setCreator(f"ConvLens {__version__}")
        painter = QPainter()
        if not painter.begin(writer):
            raise OSError(f"cannot write the PDF {path}")
        try:
            for index in range(len(pages)):
                if index and not writer.newPage():
                    raise OSError(f"cannot add page {index + 1} to {path}")
                pages.draw(painter, PRINT_DPI, index)
        finally:
            painter.end()
    return len(pages)


def render_handout_page(handout: Handout, index: int, language: str = "en", dpi: int = 100) -> QImage:
    """Page ``index`` (0: the cover) as an image, exactly as the PDF prints it, at ``dpi``."""
    pages = _HandoutPages(handout, language)
    width = int(round(A4_MM[0] / 25.4 * dpi))
    height = int(round(A4_MM[1] / 25.4 * dpi))
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.setDotsPerMeterX(int(round(dpi / 0.0254)))
    image.setDotsPerMeterY(int(round(dpi / 0.0254)))
    image.fill(Qt.GlobalColor.white)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    try:
        pages.draw(painter, dpi, index)
    finally:
        painter.end()
    return image


def page_texts(handout: Handout, language: str = "en") -> list[list[str]]:
    """The words of every page as the handout prints them (drawn once onto small images to collect them)."""
    pages = _HandoutPages(handout, language)
    image = QImage(64, 90, QImage.Format.Format_RGB32)
    for index in range(len(pages)):
        painter = QPainter(image)
        try:
            pages.draw(painter, 25, index)
        finally:
            painter.end()
    return pages.texts
