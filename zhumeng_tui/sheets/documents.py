"""Printable documents as ``.docx`` (python-docx), opened and printed in Word
or WPS: a list as a table (the final intern list) and a form of labelled
fields (the withdrawal request).

A4, 宋体 for Chinese text, the table's header row repeated on every page,
page numbers in the footer, signature lines at the end. Thousands of rows are
written by copying one prepared row (python-docx's own ``add_row`` is slow
at that size).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zhumeng_tui.sheets.write import _replacing

FONT = "宋体"
FONT_LATIN = "Times New Roman"


@dataclass
class TableDocument:
    """A list to print: a title, lines under it, a table, lines to sign."""

    title: str
    headers: list[str]
    rows: Sequence[Sequence[str]]
    lines: list[str] = field(default_factory=list)
    #: Relative column widths (default: equal).
    widths: list[float] | None = None
    signatures: list[str] = field(default_factory=list)
    landscape: bool = True


@dataclass
class FormDocument:
    """A form to print: a title, lines under it, labelled fields (a field
    with an empty label spans the row), notes, lines to sign."""

    title: str
    fields: list[tuple[str, str]]
    lines: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    signatures: list[str] = field(default_factory=list)


def _setup(landscape: bool) -> Any:
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    doc = docx.Document()
    normal = doc.styles["Normal"]
    normal.font.name = FONT_LATIN
    normal.font.size = Pt(10.5)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    section = doc.sections[0]
    width, height = Cm(21.0), Cm(29.7)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        width, height = height, width
    section.page_width, section.page_height = width, height
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(1.8))
    section.top_margin = section.bottom_margin = Cm(1.8)
    _page_numbers(section)
    return doc


def _page_numbers(section: Any) -> None:
    """"第 N 页 / 共 M 页" centred in the footer."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER

    def field_run(code: str) -> None:
        run = p.add_run()
        for kind, text in (("begin", None), (None, code), ("end", None)):
            if kind:
                el = OxmlElement("w:fldChar")
                el.set(qn("w:fldCharType"), kind)
            else:
                el = OxmlElement("w:instrText")
                el.set(qn("xml:space"), "preserve")
                el.text = text
            run._r.append(el)

    p.add_run("第 ")
    field_run("PAGE")
    p.add_run(" 页 / 共 ")
    field_run("NUMPAGES")
    p.add_run(" 页")


def _title(doc: Any, title: str, lines: list[str]) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run(title)
    run.bold = True
    run.font.size = Pt(16)
    for line in lines:
        doc.add_paragraph(line)


def _signatures(doc: Any, signatures: list[str]) -> None:
    if signatures:
        doc.add_paragraph()
        doc.add_paragraph("        ".join(f"{s}：____________" for s in signatures))


def _cell_text(cell: Any, text: str, bold: bool = False) -> None:
    p = cell.paragraphs[0]
    run = p.add_run(text)
    run.bold = bold


def _repeat_header(row: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def write_table_document(path: Path, d: TableDocument) -> int:
    """``d`` as a ``.docx`` at ``path``; returns the rows written."""
    from docx.oxml.ns import qn
    from docx.shared import Emu

    doc = _setup(d.landscape)
    _title(doc, d.title, d.lines)
    table = doc.add_table(rows=1, cols=len(d.headers))
    table.style = "Table Grid"
    section = doc.sections[0]
    usable = section.page_width - section.left_margin - section.right_margin
    weights = d.widths or [1.0] * len(d.headers)
    total = sum(weights) or 1.0
    widths = [Emu(int(usable * w / total)) for w in weights]
    for i, column in enumerate(table.columns):
        column.width = widths[i]
    for i, h in enumerate(d.headers):
        cell = table.rows[0].cells[i]
        cell.width = widths[i]
        _cell_text(cell, h, bold=True)
    _repeat_header(table.rows[0])
    n = 0
    if d.rows:
        first = table.add_row()
        for i in range(len(d.headers)):
            first.cells[i].width = widths[i]
            first.cells[i].paragraphs[0].add_run(" ")
        template = copy.deepcopy(first._tr)
        first._tr.getparent().remove(first._tr)
        tbl = table._tbl
        for row in d.rows:
            tr = copy.deepcopy(template)
            for t, value in zip(tr.iter(qn("w:t")), row, strict=False):
                t.text = "" if value is None else str(value)
            tbl.append(tr)
            n += 1
    _signatures(doc, d.signatures)
    with _replacing(path) as tmp:
        doc.save(str(tmp))
    return n


def write_form_document(path: Path, d: FormDocument) -> None:
    """``d`` as a ``.docx`` at ``path``: its fields in a two-column table."""
    from docx.shared import Cm

    doc = _setup(landscape=False)
    _title(doc, d.title, d.lines)
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in d.fields:
        row = table.add_row()
        if label:
            _cell_text(row.cells[0], label, bold=True)
            _cell_text(row.cells[1], value)
        else:
            merged = row.cells[0].merge(row.cells[1])
            for i, line in enumerate(value.split("\n")):
                para = merged.paragraphs[0] if i == 0 else merged.add_paragraph()
                para.add_run(line)
    for row in table.rows:
        row.cells[0].width = Cm(4.2)
        row.cells[1].width = Cm(13.2)
    for note in d.notes:
        doc.add_paragraph(note)
    _signatures(doc, d.signatures)
    with _replacing(path) as tmp:
        doc.save(str(tmp))
