"""write_atomically(path, data): the whole file or nothing. The data goes to a temporary file beside
`path`, which then replaces it; on any failure the temporary file is removed and `path` is untouched.
Shared by the generators in tools/ and bench/."""
import os
import tempfile


def write_atomically(path, data):
    """data: str (written as UTF-8) or bytes."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
