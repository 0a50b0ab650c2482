"""Makers of real documents for the tests: PDFs (fpdf2) laid out line by line, so a test knows
exactly where every header, footer, column and hyphen is; Word files (python-docx); saved web
pages with boilerplate and meta tags."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path


def make_pdf(path: Path, pages: list[dict], *, title: str | None = None, author: str | None = None,
             created: datetime | None = None, header: str | None = None, footer_numbers: bool = True,
             password: str | None = None) -> Path:
    """pages: [{"full": [lines], "left": [lines], "right": [lines]}]; full-width lines first,
    then two columns. Every page gets the running `header` and a page number at the bottom."""
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    if title:
        pdf.set_title(title)
    if author:
        pdf.set_author(author)
    if created:
        pdf.set_creation_date(created)
    if password:
        from fpdf.enums import EncryptionMethod

        pdf.set_encryption(owner_password="owner", user_password=password, encryption_method=EncryptionMethod.RC4)
    pdf.set_font("Helvetica", size=10)
    for number, page in enumerate(pages, 1):
        pdf.add_page()
        if header:
            pdf.set_xy(20, 8)
            pdf.cell(170, 5, header)
        y = 30.0
        for line in page.get("full", []):
            pdf.set_xy(20, y)
            pdf.cell(170, 5, line)
            y += 5
        if page.get("full"):
            y += 6
        for x, key in ((20, "left"), (110, "right")):
            yy = y
            for line in page.get(key, []):
                pdf.set_xy(x, yy)
                pdf.cell(80, 5, line)
                yy += 5
        if footer_numbers:
            pdf.set_xy(100, 285)
            pdf.cell(10, 5, str(number))
    pdf.output(str(path))
    return path


def make_docx(path: Path, paragraphs: list[str], *, title: str | None = None, author: str | None = None,
              created: datetime | None = None, header: str | None = None) -> Path:
    import docx

    document = docx.Document()
    if header:
        document.sections[0].header.paragraphs[0].text = header
    for text in paragraphs:
        document.add_paragraph(text)
    if title:
        document.core_properties.title = title
    if author:
        document.core_properties.author = author
    if created:
        document.core_properties.created = created
    document.save(str(path))
    return path


def make_web_page(path: Path, paragraphs: list[str], *, title: str, author: str | None = None,
                  site: str | None = None, url: str | None = None, published: str | None = None) -> Path:
    """A saved news page: navigation, a cookie banner, a related-links box, ads and reader
    comments around the article body, and the usual meta tags."""
    metas = []
    if published:
        metas.append(f'<meta property="article:published_time" content="{published}T08:30:00+09:00">')
    if author:
        metas.append(f'<meta name="author" content="{author}">')
    if site:
        metas.append(f'<meta property="og:site_name" content="{site}">')
    if url:
        metas.append(f'<link rel="canonical" href="{url}">')
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    html = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title} | {site or 'News'}</title>
<meta property="og:title" content="{title}">
{chr(10).join(metas)}
<script>var tracking = "the summit was held on 1 May 2018";</script>
</head><body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li><li><a href="/politics">Politics</a></li><li><a href="/subscribe">Subscribe now</a></li></ul></nav>
<div class="cookie-banner">We use cookies to improve your experience. Accept all cookies.</div></header>
<main><article>
<h1>{title}</h1>
<div class="byline">By {author or 'staff'}</div>
{body}
</article>
<aside class="related"><h2>Related stories</h2><ul>
<li><a href="/a">South Korea held a military drill with the United States on 3 March 2017</a></li>
<li><a href="/b">North Korea fired a missile on 4 July 2017, officials said</a></li></ul></aside>
<div class="ad">Advertisement: buy premium headphones today, 40% off</div>
<section id="comments" class="comments"><h3>Comments</h3>
<div class="comment"><p>Reader99: I think North Korea will test a nuclear weapon in March 2030.</p></div>
<div class="comment"><p>Anon: The talks were held in Geneva on 5 June 2016, remember?</p></div></section>
</main>
<footer><p>Copyright 2024 Example Media. All rights reserved.</p><a href="/privacy">Privacy policy</a></footer>
</body></html>
"""
    path.write_text(html, encoding="utf-8")
    return path
