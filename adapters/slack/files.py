"""Files to a coordinator in Slack, only ever in their direct message with the bot.

Uploaded with Slack's current flow (``files.getUploadURLExternal``, the bytes to the upload
URL, ``files.completeUploadExternal``), through slack_sdk's ``files_upload_v2``. A case sheet
or an export holds what a reporter wrote, so a file for a channel (public or private) is
refused here, whatever the core asked: only an IM channel (id ``D…``) takes one."""

from __future__ import annotations

from dataclasses import replace

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.translate import render
from bot.channels.parts import Attachment
from bot.channels.protocol import Sink
from bot.channels.replies import Reply
from bot.delivery.outcomes import Rejected, part_sent
from bot.i18n import N_, Translate

FILE = "file:"
"""What a posted file's reference starts with (then its Slack file id), to delete it later."""
FILE_IN_DM = N_("The file is in your direct messages with the bot, for you alone.")


class NotADirectMessage(Rejected):
    """A file was to go to a channel other than the coordinator's direct message."""


def is_direct_message(channel: str) -> bool:
    """True for an IM channel id (Slack's direct messages have ids starting with ``D``)."""
    return channel.startswith("D") and channel[1:].isalnum()


async def direct_channel(client: AsyncWebClient, address: str) -> str:
    """The direct-message channel with the workspace user ``team:user``."""
    opened = await client.conversations_open(users=address.split(":", 1)[1])
    return str(opened["channel"]["id"])


async def file_to_dm(client: AsyncWebClient, sink: Sink, reply: Reply, t: Translate) -> Reply:
    """Put an answer that carries a file into its recipient's direct message instead of where
    it was asked (an ephemeral in a channel): its text, then the file, both recorded under the
    reply's copy slot (so that the removal of copies, and erasing the concern, delete them
    there too). Returns what to show where it was asked: only where to find it."""
    if reply.attachment is None or ":" not in reply.to.user_id:
        raise NotADirectMessage("file_outside_dm")
    channel = await direct_channel(client, reply.to.user_id)
    text, blocks = render(replace(reply, attachment=None))
    posted = await client.chat_postMessage(
        channel=channel, text=text, blocks=blocks, unfurl_links=False, unfurl_media=False
    )
    ref = await upload(client, channel, reply.attachment, "")
    if reply.copy is not None and reply.concern:
        await sink.shown(reply.to, f"{reply.copy.slot}:0", str(posted["ts"]), reply.concern)
        await sink.shown(reply.to, f"{reply.copy.slot}:file", ref, reply.concern)
    return Reply(reply.to, t(FILE_IN_DM))


async def file_after(client: AsyncWebClient, channel: str, file: Attachment, text: str) -> None:
    """Upload ``file`` after the message ``text`` (its ts) of the same reply went out; both
    are the reply's parts (recorded by the deliverer, for a copy's removal)."""
    await part_sent(text, more=True)
    await part_sent(await upload(client, channel, file, ""), more=False)


async def upload(client: AsyncWebClient, channel: str, file: Attachment, comment: str) -> str:
    """Upload ``file`` into the direct message ``channel``; returns its reference."""
    if not is_direct_message(channel):
        raise NotADirectMessage("file_outside_dm")
    name = file.name or "file"
    answer = await client.files_upload_v2(
        channel=channel,
        file=file.data,
        filename=name,
        title=name,
        initial_comment=comment or None,
    )
    return FILE + str(answer["file"]["id"])


async def delete(client: AsyncWebClient, reference: str) -> None:
    """Delete a file posted earlier (one already gone counts as deleted)."""
    try:
        await client.files_delete(file=reference[len(FILE) :])
    except SlackApiError as error:
        if error.response.get("error") != "file_not_found":
            raise
