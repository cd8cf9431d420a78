"""Slack's file upload flow as the fake serves it, as strict as the documentation and, where it
is silent, stricter (each such rule says so):

1. ``files.getUploadURLExternal`` (scope ``files:write``): ``filename`` and an integer
   ``length`` above 0 are required (Slack: ``missing_argument`` when length is 0); answers an
   upload URL and a file id.
2. The bytes are POSTed to that URL: once only (the stricter reading: the documentation calls
   the URL temporary and says nothing of a second use), and exactly ``length`` bytes (Slack
   documents the length as the size of the file; stricter: a mismatch is refused, not
   truncated).
3. ``files.completeUploadExternal`` (scope ``files:write``): ``files`` a JSON list of
   ``{"id", "title"}``; an id never issued, not yet uploaded or already completed is refused
   (``file_not_found``); ``channel_id`` must be a conversation the bot may post in.
``files.delete`` (scope ``files:write``) deletes a completed file, once.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.slack_conversations import Workspace

WRITE = "files:write"


@dataclass
class Upload:
    """One file from its upload URL to its share."""

    id: str
    key: str
    filename: str
    length: int
    content: bytes | None = None
    shared: dict[str, Any] = field(default_factory=dict)  # title, channel, initial_comment


class Files:
    """The uploads of one fake workspace; ``shared`` lists completed ones in order."""

    def __init__(self, workspace: Workspace) -> None:
        self._workspace = workspace
        self._uploads: dict[str, Upload] = {}
        self._numbers = itertools.count(1)
        self.shared: list[Upload] = []
        self.deleted: list[str] = []

    def get_upload_url(self, params: dict[str, Any], base: str) -> dict[str, Any]:
        """``files.getUploadURLExternal``."""
        refused = self._workspace.missing(WRITE)
        if refused:
            return refused
        filename, length = str(params.get("filename") or ""), str(params.get("length") or "")
        if not filename or not length.isdigit() or int(length) == 0:
            return {"ok": False, "error": "missing_argument"}
        number = next(self._numbers)
        upload = Upload(f"F{number:08d}", f"u{number}x{id(self) % 9973}", filename, int(length))
        self._uploads[upload.key] = upload
        return {"ok": True, "upload_url": f"{base}/upload/{upload.key}", "file_id": upload.id}

    def receive(self, key: str, body: bytes) -> tuple[int, str]:
        """The POST of the bytes to an upload URL: the status and text Slack answers."""
        upload = self._uploads.get(key)
        if upload is None or upload.content is not None:
            return 404, "upload URL unknown or used"
        if len(body) != upload.length:
            return 400, f"length mismatch: {len(body)} bytes for {upload.length}"
        upload.content = body
        return 200, f"OK - {len(body)}"

    def complete(self, params: dict[str, Any]) -> dict[str, Any]:
        """``files.completeUploadExternal``."""
        refused = self._workspace.missing(WRITE)
        if refused:
            return refused
        raw = params.get("files")
        listed = json.loads(raw) if isinstance(raw, str) else raw
        if not isinstance(listed, list) or not listed:
            return {"ok": False, "error": "invalid_arguments"}
        by_id = {u.id: u for u in self._uploads.values()}
        found = [by_id.get(str(f.get("id"))) if isinstance(f, dict) else None for f in listed]
        if any(u is None or u.content is None or u.shared for u in found):
            return {"ok": False, "error": "file_not_found"}
        channel = str(params.get("channel_id") or "")
        if channel:
            refused = self._workspace.may_post(channel)
            if refused:
                return refused
        done = [u for u in found if u is not None]
        for upload, item in zip(done, listed, strict=True):
            upload.shared = {
                "title": str(item.get("title") or upload.filename),
                "channel": channel,
                "initial_comment": str(params.get("initial_comment") or ""),
            }
            self.shared.append(upload)
        return {"ok": True, "files": [{"id": u.id, "name": u.filename} for u in done]}

    def delete(self, params: dict[str, Any]) -> dict[str, Any]:
        """``files.delete``."""
        refused = self._workspace.missing(WRITE)
        if refused:
            return refused
        file_id = str(params.get("file") or "")
        upload = next((u for u in self.shared if u.id == file_id), None)
        if upload is None:
            return {"ok": False, "error": "file_not_found"}
        self.shared.remove(upload)
        self.deleted.append(file_id)
        return {"ok": True}

    def in_channel(self, channel: str) -> list[Upload]:
        """The files shared in ``channel`` (and not deleted), in order."""
        return [u for u in self.shared if u.shared.get("channel") == channel]
