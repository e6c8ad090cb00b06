"""Uploads: checked on their content, stored under random names, served as attachments to who may see them."""

from __future__ import annotations

import io
import os
import stat
import struct
import zlib
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage

from qn_portal.extensions import db
from qn_portal.storage import StoredFile, UploadRefused, delete_file, file_path, save_upload

LIMIT = 4096


@pytest.fixture
def config_overrides():
    return {"UPLOAD_MAX_BYTES": LIMIT}


def png_bytes(width: int = 1, height: int = 1) -> bytes:
    """A real PNG image: signature, IHDR, one IDAT of white pixels, IEND."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\xff\xff\xff" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def pdf_bytes(text: str = "Compte rendu") -> bytes:
    """A real one-page PDF with a correct cross-reference table."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="4"/></svg>'


def upload(data: bytes, filename: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=filename, content_type="application/octet-stream")


def store(app, data: bytes, filename: str, **kwargs) -> dict:
    """Save an upload as a plugin would and commit; return the row's fields."""
    with app.app_context():
        stored = save_upload(upload(data, filename), plugin="core", **kwargs)
        db.session.commit()
        return {"key": stored.key, "name": stored.original_name, "type": stored.content_type, "size": stored.size,
                "path": file_path(stored.key)}


def refusal(app, data: bytes, filename: str, **kwargs) -> str:
    with app.app_context(), pytest.raises(UploadRefused) as info:
        save_upload(upload(data, filename), plugin="core", **kwargs)
    with app.app_context():
        message = str(info.value)
        assert db.session.query(StoredFile).count() == 0
    return message


def stored_files(app) -> list[Path]:
    root = Path(app.config["UPLOAD_FOLDER"])
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_the_sample_files_are_what_they_claim():
    import filetype

    assert filetype.guess(pdf_bytes()).mime == "application/pdf"
    assert filetype.guess(png_bytes()).mime == "image/png"
    assert len(pdf_bytes()) < LIMIT and len(png_bytes()) < LIMIT


@pytest.mark.parametrize("data, filename, mime", [
    (pdf_bytes(), "compte-rendu.pdf", "application/pdf"),
    (png_bytes(4, 4), "Affiche Atelier.PNG", "image/png"),
])
def test_real_files_are_accepted_and_stored_under_a_random_name(app, data, filename, mime):
    row = store(app, data, filename)
    assert (row["name"], row["type"], row["size"]) == (filename, mime, len(data))
    path = row["path"]
    root = Path(app.config["UPLOAD_FOLDER"]).resolve()
    assert path.resolve().is_relative_to(root)
    assert path.name == row["key"] and len(row["key"]) >= 40
    assert Path(filename).stem not in str(path)
    assert path.read_bytes() == data
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stored_files(app) == [path]
    # Not under any static folder.
    assert not path.resolve().is_relative_to(Path(app.static_folder).resolve())


def test_the_same_file_twice_gets_two_names(app):
    first, second = store(app, pdf_bytes(), "a.pdf"), store(app, pdf_bytes(), "a.pdf")
    assert first["key"] != second["key"]
    assert len(stored_files(app)) == 2


@pytest.mark.parametrize("data, filename", [
    (png_bytes(), "image.pdf"),  # a PNG renamed .pdf
    (pdf_bytes(), "rapport.png"),  # and the reverse
    (HTML, "page.html"),
    (HTML, "page.pdf"),
    (SVG, "logo.svg"),
    (SVG, "logo.png"),
    (pdf_bytes(), "rapport.pdf.html"),
    (pdf_bytes(), "rapport"),  # no extension at all
    (b"MZ\x90\x00" + b"\x00" * 60, "outil.exe"),
])
def test_wrong_types_are_refused(app, data, filename):
    assert refusal(app, data, filename) == "Ce type de fichier n'est pas accepté."
    assert stored_files(app) == []


def test_kinds_restrict_what_a_plugin_accepts(app):
    assert refusal(app, pdf_bytes(), "a.pdf", kinds=("image",)) == "Ce type de fichier n'est pas accepté."
    assert store(app, png_bytes(), "a.png", kinds=("image",))["type"] == "image/png"


def test_empty_files_are_refused(app):
    assert refusal(app, b"", "vide.pdf") == "Le fichier est vide."
    assert stored_files(app) == []


def test_files_over_the_limit_are_refused(app):
    big = pdf_bytes() + b"%" + b"x" * LIMIT
    assert "taille maximale" in refusal(app, big, "gros.pdf")
    assert stored_files(app) == []
    # A plugin can set a smaller limit; exactly at the limit is fine.
    exact = pdf_bytes()
    assert "taille maximale" in refusal(app, exact, "a.pdf", max_bytes=len(exact) - 1)
    assert store(app, exact, "a.pdf", max_bytes=len(exact))["size"] == len(exact)


@pytest.mark.parametrize("filename, expected", [
    ("../../../etc/passwd.pdf", "passwd.pdf"),
    ("..\\..\\windows\\win.pdf", "win.pdf"),
    ("/abs/olu.pdf", "olu.pdf"),
    ('a<b>:c"d|e?f*.pdf', "abcdef.pdf"),
    ("ligne\nforgée\r.pdf", "ligneforgée.pdf"),
    ("<>.pdf", "pdf.pdf"),
    ("x" * 300 + ".pdf", "x" * 196 + ".pdf"),
])
def test_file_names_are_cleaned(app, filename, expected):
    row = store(app, pdf_bytes(), filename)
    assert row["name"] == expected
    assert row["path"].resolve().is_relative_to(Path(app.config["UPLOAD_FOLDER"]).resolve())


def test_file_path_refuses_keys_that_leave_the_folder(app):
    with app.app_context():
        for key in ("../secret", "a/b", "a\\b", ".hidden", ""):
            with pytest.raises(ValueError):
                file_path(key)


def test_delete_file_removes_the_file_and_its_row(app):
    row = store(app, pdf_bytes(), "a.pdf")
    with app.app_context():
        delete_file(db.session.get(StoredFile, row["key"]))
        db.session.commit()
        assert db.session.get(StoredFile, row["key"]) is None
    assert not row["path"].exists()


# --- Downloads --------------------------------------------------------------------------------------------


@pytest.fixture
def a_file(app, demo):
    """A PDF of association A, uploaded by mediation.a."""
    return store(app, pdf_bytes(), "Compte rendu été.pdf", association_id=demo["associations"]["a"],
                 uploaded_by_id=demo["users"]["mediation.a"])


def download(client, key):
    response = client.get(f"/fichiers/{key}")
    data = response.get_data()
    response.close()
    return response, data


@pytest.mark.parametrize("role", ["mediation.a", "direction.a", "coordination", "admin"])
def test_members_and_coordinators_download_as_attachment(portal, a_file, role):
    response, data = download(portal.login_as(role), a_file["key"])
    assert response.status_code == 200
    assert data == pdf_bytes()
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Compte%20rendu%20%C3%A9t%C3%A9.pdf" in disposition
    assert "no-store" in response.headers["Cache-Control"]


@pytest.mark.parametrize("role", ["mediation.b", "direction.b", "partenaire"])
def test_others_are_refused(portal, a_file, role):
    response, data = download(portal.login_as(role), a_file["key"])
    assert response.status_code == 403
    assert pdf_bytes() not in data


def test_the_uploader_keeps_access_outside_the_association(app, portal, demo):
    row = store(app, png_bytes(), "photo.png", association_id=demo["associations"]["a"],
                uploaded_by_id=demo["users"]["partenaire"])
    response, data = download(portal.login_as("partenaire"), row["key"])
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert data == png_bytes()


def test_unknown_keys_are_404(portal, a_file):
    client = portal.login_as("admin")
    for key in ("inconnu", a_file["key"][:-1], "..%2F..%2Fetc%2Fpasswd"):
        response, _data = download(client, key)
        assert response.status_code == 404, key


def test_a_row_whose_file_is_gone_is_404(portal, a_file):
    a_file["path"].unlink()
    response, _data = download(portal.login_as("mediation.a"), a_file["key"])
    assert response.status_code == 404


def test_signed_out_visitors_are_sent_to_login(client, a_file):
    response, data = download(client, a_file["key"])
    assert response.status_code == 302
    assert "/connexion" in response.headers["Location"]
    assert pdf_bytes() not in data
