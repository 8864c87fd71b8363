"""Files: uploads and downloads round trip, photos from users, file_id reuse, media groups."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import aiohttp
from PIL import Image

from tests.sandbox.conftest import TOKEN, Client
from tests.sandbox.samples import ICS, png


async def upload(client: Client, method: str, field: str, name: str, data: bytes, **params: Any) -> dict[str, Any]:
    form = aiohttp.FormData(quote_fields=False)  # raw UTF-8 file names, as httpx (PTB) and browsers send
    for key, value in params.items():
        form.add_field(key, str(value))
    form.add_field(field, data, filename=name, content_type="application/octet-stream")
    async with client.session.post(f"{client.server.api_base_url}{TOKEN}/{method}", data=form) as resp:
        return dict(await resp.json())


async def download(client: Client, path: str) -> tuple[bytes, Mapping[str, str]]:
    async with client.session.get(f"{client.server.url}{path}") as resp:
        assert resp.status == 200
        return await resp.read(), resp.headers


async def test_document_upload_round_trips(client: Client, alice: int) -> None:
    sent = await upload(
        client, "sendDocument", "document", "预约.ics", ICS, chat_id=alice, caption="<b>日历</b>", parse_mode="HTML"
    )
    document = sent["result"]["document"]
    assert (document["file_name"], document["file_size"]) == ("预约.ics", len(ICS))
    assert document["mime_type"] == "text/calendar"
    [seen] = (await client.chat(alice))["messages"]
    assert (seen["kind"], seen["html"]) == ("document", "<b>日历</b>")
    data, headers = await download(client, seen["document"]["url"])
    assert data == ICS
    assert "filename*=UTF-8''%E9%A2%84%E7%BA%A6.ics" in headers["Content-Disposition"]
    file = await client.ok("getFile", file_id=document["file_id"])
    data, _ = await download(client, f"/file/bot{TOKEN}/{file['file_path']}")
    assert data == ICS
    again = await client.ok("sendDocument", chat_id=alice, document=document["file_id"])
    assert again["document"]["file_unique_id"] == document["file_unique_id"]


async def test_file_errors(client: Client, alice: int) -> None:
    assert await client.error("getFile", file_id="nonsense") == (400, "Bad Request: invalid file_id")
    assert (await client.error("sendDocument", chat_id=alice, document="nonsense"))[1] == (
        "Bad Request: wrong file identifier/HTTP URL specified"
    )
    photo = await upload(client, "sendPhoto", "photo", "p.png", png(50, 40), chat_id=alice)
    photo_id = photo["result"]["photo"][-1]["file_id"]
    assert await client.error("sendDocument", chat_id=alice, document=photo_id) == (
        400,
        "Bad Request: type of file mismatch",
    )
    not_image = await upload(client, "sendPhoto", "photo", "p.png", b"not an image", chat_id=alice)
    assert not_image["description"] == "Bad Request: IMAGE_PROCESS_FAILED"
    async with client.session.get(f"{client.server.url}/file/bot{TOKEN}/documents/none") as resp:
        assert resp.status == 404
    async with client.session.get(f"{client.server.url}/file/bot1:WRONG/documents/none") as resp:
        assert resp.status == 401


async def test_a_users_photo_can_be_fetched_with_get_file(client: Client, alice: int) -> None:
    answer = await client.post("photo", {"user_id": alice, "caption": "现场照片"})
    [update] = await client.updates()
    message = update["message"]
    assert message["caption"] == "现场照片"
    sizes = message["photo"]
    assert [(s["width"], s["height"]) for s in sizes] == [(90, 68), (320, 240)]
    assert sizes[-1]["file_id"] == answer["file_id"]
    file = await client.ok("getFile", file_id=sizes[-1]["file_id"])
    assert file["file_size"] == sizes[-1]["file_size"]
    data, _ = await download(client, f"/file/bot{TOKEN}/{file['file_path']}")
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (320, 240)
    resent = await client.ok("sendPhoto", chat_id=alice, photo=sizes[-1]["file_id"])
    assert [s["file_id"] for s in resent["photo"]] == [s["file_id"] for s in sizes]


async def test_a_real_image_can_be_posted_as_a_users_photo(client: Client, alice: int) -> None:
    form = aiohttp.FormData()
    form.add_field("user_id", str(alice))
    form.add_field("photo", png(640, 480), filename="a.png", content_type="image/png")
    async with client.session.post(f"{client.server.url}/sandbox/photo", data=form) as resp:
        assert resp.status == 200
    [seen] = (await client.chat(alice))["messages"]
    assert (seen["photo"]["width"], seen["photo"]["height"]) == (640, 480)


async def test_uploaded_photo_and_caption_limit(client: Client, alice: int) -> None:
    sent = await upload(client, "sendPhoto", "photo", "big.png", png(1000, 500), chat_id=alice, caption="图")
    sizes = sent["result"]["photo"]
    assert [(s["width"], s["height"]) for s in sizes] == [(90, 45), (1000, 500)]
    too_long = await upload(client, "sendPhoto", "photo", "p.png", png(10, 10), chat_id=alice, caption="字" * 1025)
    assert too_long["description"] == "Bad Request: message caption is too long"


async def test_media_group_of_uploads(client: Client, alice: int) -> None:
    form = aiohttp.FormData()
    form.add_field("chat_id", str(alice))
    form.add_field(
        "media",
        '[{"type":"photo","media":"attach://one","caption":"<i>一</i>","parse_mode":"HTML"},'
        '{"type":"photo","media":"attach://two"}]',
    )
    form.add_field("one", png(30, 30), filename="1.png")
    form.add_field("two", png(40, 40), filename="2.png")
    async with client.session.post(f"{client.server.api_base_url}{TOKEN}/sendMediaGroup", data=form) as resp:
        result = (await resp.json())["result"]
    assert len(result) == 2
    assert result[0]["media_group_id"] == result[1]["media_group_id"]
    assert result[0]["caption_entities"] == [{"type": "italic", "offset": 0, "length": 1}]


async def test_media_group_takes_two_to_ten_and_answers_an_array_of_messages(client: Client, alice: int) -> None:
    """Albums of stored photos (file ids, as a bot resends a resident's photos): 1 or 11 items are refused."""
    stored = [(await client.post("photo", {"user_id": alice}))["file_id"] for _ in range(3)]
    for count in (0, 1, 11):
        media = [{"type": "photo", "media": stored[i % 3]} for i in range(count)]
        code, description = await client.error("sendMediaGroup", chat_id=alice, media=media)
        assert code == 400 and "2-10" in description
    assert [m for m in (await client.chat(alice))["messages"] if m["from_bot"]] == []  # refused: nothing shown

    media = [{"type": "photo", "media": file_id} for file_id in stored]
    media[0] |= {"caption": "<b>诉求</b> 的照片", "parse_mode": "HTML"}
    album = await client.ok("sendMediaGroup", chat_id=alice, media=media)
    assert isinstance(album, list) and len(album) == 3
    assert [m["photo"][-1]["file_id"] for m in album] == stored
    assert len({m["media_group_id"] for m in album}) == 1
    assert [m["message_id"] for m in album] == sorted(m["message_id"] for m in album)
    assert album[0]["caption"] == "诉求 的照片" and "caption" not in album[1]
    ten = await client.ok("sendMediaGroup", chat_id=alice, media=[{"type": "photo", "media": stored[0]}] * 10)
    assert len(ten) == 10

    # The web chat's view of the chat: every photo of the album, with its picture's URL.
    shown = [m for m in (await client.chat(alice))["messages"] if m["from_bot"]]
    assert len(shown) == 13 and all(m["kind"] == "photo" and m["photo"]["url"] for m in shown)
    assert shown[0]["media_group_id"] == album[0]["media_group_id"] and shown[0]["html"] == "<b>诉求</b> 的照片"
    image, _headers = await download(client, shown[0]["photo"]["url"])
    assert image.startswith(b"\x89PNG") or image.startswith(b"\xff\xd8")


async def test_sticker_and_location_messages(client: Client, alice: int) -> None:
    await client.post("sticker", {"user_id": alice})
    await client.post("location", {"user_id": alice, "latitude": 31.23, "longitude": 121.47})
    sticker, location = [u["message"] for u in await client.updates()]
    assert (sticker["sticker"]["emoji"], sticker["sticker"]["width"]) == ("👍", 512)
    assert location["location"] == {"latitude": 31.23, "longitude": 121.47}
    sent = await client.ok("sendSticker", chat_id=alice, sticker=sticker["sticker"]["file_id"])
    assert sent["sticker"]["file_unique_id"] == sticker["sticker"]["file_unique_id"]
    place = await client.ok("sendLocation", chat_id=alice, latitude=31.2, longitude=121.5)
    assert place["location"] == {"latitude": 31.2, "longitude": 121.5}
    assert (await client.error("sendLocation", chat_id=alice, latitude=91, longitude=0))[0] == 400
