"""Files the bot or the users sent: their bytes, ids and paths, as Telegram keeps them."""

from __future__ import annotations

import mimetypes
import secrets
from dataclasses import dataclass
from enum import StrEnum

from telegram import Document, File, PhotoSize, Sticker

from sandbox.images import THUMBNAIL_SIDE, image_size, thumbnail


class FileKind(StrEnum):
    """What a file was sent as; a file_id only works again for the same kind."""

    PHOTO = "photo"
    DOCUMENT = "document"
    STICKER = "sticker"


_ID_PREFIX = {
    FileKind.PHOTO: "AgACAgUAAxkBAA",
    FileKind.DOCUMENT: "BQACAgUAAxkBAA",
    FileKind.STICKER: "CAACAgUAAxkBAA",
}
_FOLDER = {FileKind.PHOTO: "photos", FileKind.DOCUMENT: "documents", FileKind.STICKER: "stickers"}


@dataclass(frozen=True)
class StoredFile:
    """One stored file; its PTB objects are made on demand."""

    file_id: str
    file_unique_id: str
    file_path: str
    kind: FileKind
    data: bytes
    file_name: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0

    @property
    def file_size(self) -> int:
        """Size in bytes."""
        return len(self.data)

    def to_file(self) -> File:
        """What getFile answers."""
        return File(self.file_id, self.file_unique_id, file_size=self.file_size, file_path=self.file_path)

    def to_photo_size(self) -> PhotoSize:
        """One size of a photo."""
        return PhotoSize(self.file_id, self.file_unique_id, self.width, self.height, file_size=self.file_size)

    def to_document(self) -> Document:
        """A general file."""
        return Document(
            self.file_id,
            self.file_unique_id,
            file_name=self.file_name,
            mime_type=self.mime_type,
            file_size=self.file_size,
        )

    def to_sticker(self, emoji: str) -> Sticker:
        """A regular static sticker."""
        return Sticker(
            self.file_id,
            self.file_unique_id,
            self.width,
            self.height,
            is_animated=False,
            is_video=False,
            type=Sticker.REGULAR,
            emoji=emoji,
            file_size=self.file_size,
        )


class FileStore:
    """Every file by file_id and by file_path."""

    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._photo_sets: dict[str, list[StoredFile]] = {}
        self._count = 0

    def add(
        self,
        kind: FileKind,
        data: bytes,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        width: int = 0,
        height: int = 0,
        extension: str = "",
    ) -> StoredFile:
        """Stores bytes under a fresh file_id, file_unique_id and file_path."""
        self._count += 1
        if not extension and file_name and "." in file_name:
            extension = file_name.rsplit(".", 1)[1].lower()
        if mime_type is None and file_name:
            mime_type = mimetypes.guess_type(file_name)[0]
        suffix = f".{extension}" if extension else ""
        stored = StoredFile(
            file_id=_ID_PREFIX[kind] + secrets.token_urlsafe(36),
            file_unique_id="AgAD" + secrets.token_urlsafe(9),
            file_path=f"{_FOLDER[kind]}/file_{self._count}{suffix}",
            kind=kind,
            data=data,
            file_name=file_name,
            mime_type=mime_type,
            width=width,
            height=height,
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def add_photo(self, data: bytes, extension: str = "jpg") -> list[StoredFile]:
        """Stores a photo in the sizes Telegram offers: a small thumbnail and the picture itself.

        Raises NotAnImage if Pillow cannot read the bytes.
        """
        width, height = image_size(data)
        sizes: list[StoredFile] = []
        if max(width, height) > THUMBNAIL_SIDE:
            small, small_width, small_height = thumbnail(data)
            sizes.append(self.add(FileKind.PHOTO, small, width=small_width, height=small_height, extension="jpg"))
        sizes.append(self.add(FileKind.PHOTO, data, width=width, height=height, extension=extension))
        for size in sizes:
            self._photo_sets[size.file_id] = sizes
        return sizes

    def photo_sizes(self, file_id: str) -> list[StoredFile] | None:
        """All sizes of the photo that one of its sizes' file_id names."""
        return self._photo_sets.get(file_id)

    def get(self, file_id: str) -> StoredFile | None:
        """The file with this file_id (or file_unique_id, for the web chat's links)."""
        found = self._by_id.get(file_id)
        if found is None:
            found = next((f for f in self._by_id.values() if f.file_unique_id == file_id), None)
        return found

    def by_path(self, file_path: str) -> StoredFile | None:
        """The file at this file_path (the download URL's tail)."""
        return self._by_path.get(file_path)

    def clear(self) -> None:
        """Forgets every file."""
        self._by_id.clear()
        self._by_path.clear()
        self._photo_sets.clear()
