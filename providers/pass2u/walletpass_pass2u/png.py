"""Just enough PNG to enforce Pass2U's upload rules locally and to make small images.

Pass2U takes PNG images of at most 4 MB and 1024 x 1024 pixels. Reading the size from the IHDR
header lets the provider refuse a JPEG, an oversized file or an oversized image before a single
byte is uploaded, and lets the emulator refuse the same things the same way. ``encode_png`` makes
valid single-colour images (the emulator's default model icon, tests, examples) without any
imaging library.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from walletpass.errors import FieldProblem
from walletpass_pass2u.limits import MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS

__all__ = ["PNG_SIGNATURE", "PngInfo", "check_upload", "encode_png", "read_png_header"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_IHDR_END = len(PNG_SIGNATURE) + 8 + 13 + 4  # signature, length+type, IHDR data, CRC


@dataclass(frozen=True, slots=True)
class PngInfo:
    width: int
    height: int
    size: int


def _image_kind(data: bytes) -> str:
    if data.startswith(b"\xff\xd8\xff"):
        return "a JPEG"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "a GIF"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "a WebP image"
    return "not a PNG"


def read_png_header(data: bytes) -> PngInfo | None:
    """Width and height from the IHDR chunk; ``None`` when ``data`` is not a well-formed PNG."""
    if len(data) < _IHDR_END or not data.startswith(PNG_SIGNATURE):
        return None
    length, chunk = struct.unpack(">I4s", data[8:16])
    if chunk != b"IHDR" or length != 13:
        return None
    ihdr = data[16:29]
    (crc,) = struct.unpack(">I", data[29:33])
    if zlib.crc32(b"IHDR" + ihdr) != crc:
        return None
    width, height = struct.unpack(">II", ihdr[:8])
    if width == 0 or height == 0:
        return None
    return PngInfo(width, height, len(data))


def check_upload(data: object) -> tuple[PngInfo | None, list[FieldProblem]]:
    """Pass2U's upload rules: PNG only, at most 4 MB, at most 1024 x 1024 pixels."""
    if not isinstance(data, bytes | bytearray | memoryview):
        return None, [FieldProblem("image", "must be the PNG file's bytes")]
    raw = bytes(data)
    problems: list[FieldProblem] = []
    if len(raw) > MAX_IMAGE_BYTES:
        problems.append(
            FieldProblem(
                "image",
                f"Pass2U takes images of at most {MAX_IMAGE_BYTES // (1024 * 1024)} MB "
                f"({MAX_IMAGE_BYTES} bytes), got {len(raw)} bytes",
            )
        )
    info = read_png_header(raw)
    if info is None:
        problems.append(
            FieldProblem("image", f"Pass2U takes PNG images only; this is {_image_kind(raw)}")
        )
        return None, problems
    if info.width > MAX_IMAGE_PIXELS or info.height > MAX_IMAGE_PIXELS:
        problems.append(
            FieldProblem(
                "image",
                f"Pass2U takes images of at most {MAX_IMAGE_PIXELS} x {MAX_IMAGE_PIXELS} pixels, "
                f"got {info.width} x {info.height}",
            )
        )
    return info, problems


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(
    width: int,
    height: int,
    rgb: tuple[int, int, int] = (0, 0, 0),
    *,
    padding: int = 0,
) -> bytes:
    """A valid single-colour 8-bit RGB PNG; ``padding`` adds a comment chunk of that many bytes."""
    if width < 1 or height < 1:
        raise ValueError("a PNG needs at least one pixel")
    row = b"\x00" + bytes(rgb) * width
    compressor = zlib.compressobj(9)
    pixels = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunks = [_chunk(b"IHDR", header)]
    if padding > 0:
        chunks.append(_chunk(b"tEXt", b"Comment\x00" + b" " * padding))
    chunks += [_chunk(b"IDAT", pixels), _chunk(b"IEND", b"")]
    return PNG_SIGNATURE + b"".join(chunks)
