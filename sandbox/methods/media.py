"""Photos, documents, stickers, locations, media groups, and getFile."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from telegram import Location

from sandbox.errors import ApiError, bad_request
from sandbox.files import FileKind, StoredFile
from sandbox.images import NotAnImage, image_size
from sandbox.params import Params, Upload

if TYPE_CHECKING:
    from sandbox.botapi import BotApi

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


def _too_big(data: bytes, limit: int) -> None:
    if len(data) > limit:
        raise ApiError(413, "Request Entity Too Large")


def stored(api: BotApi, reference: str, kind: FileKind) -> StoredFile:
    """A file sent again by file_id (URLs would be fetched by Telegram; the sandbox is offline)."""
    if reference.lower().startswith(("http://", "https://")):
        raise bad_request("failed to get HTTP URL content: the sandbox does not fetch URLs")
    found = api.state.files.get(reference)
    if found is None or found.file_id != reference:
        raise bad_request("wrong file identifier/HTTP URL specified")
    if found.kind != kind:
        raise bad_request("type of file mismatch")
    return found


def _upload_or_reference(params: Params, field: str, what: str) -> Upload | str:
    upload = params.get_upload(field)
    if upload is not None:
        return upload
    reference = params.get_str(field)
    if reference and reference.startswith("attach://"):
        upload = params.get_upload(reference[len("attach://") :])
        if upload is None:
            raise bad_request(f"wrong HTTP URL specified: no file attached as {reference}")
        return upload
    if not reference:
        raise bad_request(f"there is no {what} in the request")
    return reference


def photo_sizes(api: BotApi, source: Upload | str) -> list[StoredFile]:
    """The sizes of a photo, from an upload (checked with Pillow) or a file_id."""
    if isinstance(source, str):
        sizes = api.state.files.photo_sizes(source)
        return sizes if sizes is not None else [stored(api, source, FileKind.PHOTO)]
    _too_big(source.data, MAX_PHOTO_BYTES)
    try:
        extension = "png" if source.data.startswith(b"\x89PNG") else "jpg"
        return api.state.files.add_photo(source.data, extension=extension)
    except NotAnImage:
        raise bad_request("IMAGE_PROCESS_FAILED") from None


def document_file(api: BotApi, source: Upload | str) -> StoredFile:
    """A document, from an upload (its file name kept) or a file_id."""
    if isinstance(source, str):
        return stored(api, source, FileKind.DOCUMENT)
    _too_big(source.data, MAX_UPLOAD_BYTES)
    mime_type = None if source.content_type == "application/octet-stream" else source.content_type
    return api.state.files.add(FileKind.DOCUMENT, source.data, file_name=source.filename, mime_type=mime_type)


async def send_photo(api: BotApi, params: Params) -> Any:
    """sendPhoto."""
    chat = api.writable_chat(params)
    source = _upload_or_reference(params, "photo", "photo")
    caption, entities = api.caption(params)
    markup = api.markup(params)
    reply_to = api.reply_to(params, chat)
    sizes = photo_sizes(api, source)
    api.throttle(chat)
    message = api.add_bot_message(
        chat, markup, photo=sizes, caption=caption, caption_entities=entities, reply_to_message_id=reply_to
    )
    return api.message_json(message)


async def send_document(api: BotApi, params: Params) -> Any:
    """sendDocument."""
    chat = api.writable_chat(params)
    source = _upload_or_reference(params, "document", "document")
    caption, entities = api.caption(params)
    markup = api.markup(params)
    reply_to = api.reply_to(params, chat)
    document = document_file(api, source)
    api.throttle(chat)
    message = api.add_bot_message(
        chat,
        markup,
        document=document,
        caption=caption,
        caption_entities=entities,
        reply_to_message_id=reply_to,
    )
    return api.message_json(message)


async def send_sticker(api: BotApi, params: Params) -> Any:
    """sendSticker (by file_id, or an uploaded WebP/PNG)."""
    chat = api.writable_chat(params)
    source = _upload_or_reference(params, "sticker", "sticker")
    markup = api.markup(params)
    reply_to = api.reply_to(params, chat)
    if isinstance(source, str):
        sticker = stored(api, source, FileKind.STICKER)
    else:
        try:
            width, height = image_size(source.data)
        except NotAnImage:
            raise bad_request("STICKER_FILE_INVALID") from None
        sticker = api.state.files.add(FileKind.STICKER, source.data, width=width, height=height, extension="webp")
    emoji = params.get_str("emoji") or "🙂"
    api.throttle(chat)
    message = api.add_bot_message(chat, markup, sticker=sticker, sticker_emoji=emoji, reply_to_message_id=reply_to)
    return api.message_json(message)


def location(params: Params) -> Location:
    """latitude and longitude, within the globe."""
    latitude, longitude = params.get_float("latitude"), params.get_float("longitude")
    if latitude is None or not -90 <= latitude <= 90:
        raise bad_request("wrong latitude specified")
    if longitude is None or not -180 <= longitude <= 180:
        raise bad_request("wrong longitude specified")
    return Location(longitude=longitude, latitude=latitude)


async def send_location(api: BotApi, params: Params) -> Any:
    """sendLocation."""
    chat = api.writable_chat(params)
    place = location(params)
    markup = api.markup(params)
    reply_to = api.reply_to(params, chat)
    api.throttle(chat)
    message = api.add_bot_message(chat, markup, location=place, reply_to_message_id=reply_to)
    return api.message_json(message)


async def send_media_group(api: BotApi, params: Params) -> Any:
    """sendMediaGroup: 2-10 photos or 2-10 documents, each a message sharing a media_group_id."""
    chat = api.writable_chat(params)
    media = params.get_json("media")
    if not isinstance(media, list) or not all(isinstance(item, dict) for item in media):
        raise bad_request("can't parse media JSON object")
    if not 2 <= len(media) <= 10:
        raise bad_request("wrong number of media in the album: must be 2-10")
    kinds = {item.get("type") for item in media}
    if not kinds <= {"photo", "document"}:
        raise bad_request("the sandbox supports albums of photos or documents only")
    if len(kinds) > 1:
        raise bad_request("document can't be mixed with other media types")
    reply_to = api.reply_to(params, chat)
    prepared: list[dict[str, Any]] = []
    for item in media:
        caption, entities = api.checked_caption(
            *api.format(str(item.get("caption") or ""), item.get("parse_mode"), item.get("caption_entities"))
        )
        source = _item_source(params, item)
        files: dict[str, Any] = (
            {"photo": photo_sizes(api, source)} if item["type"] == "photo" else {"document": document_file(api, source)}
        )
        prepared.append({"caption": caption, "caption_entities": entities, **files})
    api.throttle(chat)  # an album counts as one message
    group_id = str(10**17 + secrets.randbelow(10**17))
    messages = [
        api.add_bot_message(chat, None, media_group_id=group_id, reply_to_message_id=reply_to, **fields)
        for fields in prepared
    ]
    return [api.message_json(message) for message in messages]


def _item_source(params: Params, item: dict[str, Any]) -> Upload | str:
    reference = item.get("media")
    if not isinstance(reference, str) or not reference:
        raise bad_request("there is no media in the request")
    if reference.startswith("attach://"):
        upload = params.get_upload(reference[len("attach://") :])
        if upload is None:
            raise bad_request(f"wrong HTTP URL specified: no file attached as {reference}")
        return upload
    return reference


async def get_file(api: BotApi, params: Params) -> Any:
    """getFile: the file_path to download from /file/bot<token>/<file_path>."""
    file_id = params.get_str("file_id")
    found = api.state.files.get(file_id) if file_id else None
    if found is None or found.file_id != file_id:
        raise bad_request("invalid file_id")
    return found.to_file().to_dict()


METHODS = {
    "sendPhoto": send_photo,
    "sendDocument": send_document,
    "sendSticker": send_sticker,
    "sendLocation": send_location,
    "sendMediaGroup": send_media_group,
    "getFile": get_file,
}
