"""Artifact sizes: what ``sam deploy`` uploads for the layer and each function."""

import io
import zipfile

from devstack.stack import BUILD_DIR


def sizes() -> list[tuple[str, int, int]]:
    """(artifact, unzipped bytes, zipped bytes) for each directory ``sam build`` made."""
    rows = []
    for directory in sorted(path for path in BUILD_DIR.iterdir() if path.is_dir()):
        files = [path for path in sorted(directory.rglob("*")) if path.is_file()]
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in files:
                archive.write(path, path.relative_to(directory))
        rows.append((directory.name, sum(path.stat().st_size for path in files), len(buffer.getvalue())))
    return rows


def shown(size: int) -> str:
    return f"{size / 1024:,.0f} KiB" if size < 2**20 else f"{size / 2**20:,.1f} MiB"
