"""The bot: Slack deliveries in, runner turns and decisions out.

Listeners only validate, de-duplicate and schedule: Slack gets its answer in milliseconds and the
agent's work runs afterwards as a tracked background task. Blocking work (the runner, the database)
runs in worker threads so the event loop keeps answering Slack.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import re
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient
from sqlalchemy import Engine

from agent import phrasing as say
from agent.results import TurnResult
from agent.runner import Runner
from agent.store import Conversation, ConversationBusy
from billing.errors import ActionAlreadyDecided, ActionNotFound, DomainError, NotFound, UnknownUser
from billing.principal import Principal
from billing.service import BillingService
from service.slack import render
from service.slack.dedup import claim, prune
from service.slack.identity import LinkLocked, SlackLinks, verified_email

log = logging.getLogger("portal_agent.slack")
TEXT_SUBTYPES = {None, "thread_broadcast", "file_share"}
PRUNE_EVERY = 3600.0  # seconds between clean-ups of old de-duplication keys (per process)
# The de-duplication claims and thread lookups get threads of their own, so they do not queue behind
# running agent turns in the default executor. They run just after Slack's answer, which needs nothing
# from the database (BENCHMARKS.md, Slack acknowledgement).
CLAIM_THREADS = 4
LINK_COMMAND = re.compile(r"^\s*link\s+([A-Za-z0-9-]{4,12})\s*$", re.IGNORECASE)
UNLINK_COMMAND = re.compile(r"^\s*unlink\s*$", re.IGNORECASE)


class NotYourThread(Exception):
    """The thread's conversation belongs to another portal user."""


@dataclass
class Incoming:
    """One user message addressed to the bot (or typed in a thread the bot is having with them)."""

    team: str
    channel: str
    user: str
    text: str
    thread_ts: str
    is_dm: bool
    addressed: bool  # a DM or a mention; a plain thread reply is only for the thread's owner

    @property
    def ref(self) -> str:
        return f"slack:{self.team}:{self.channel}:{self.thread_ts}"


T = TypeVar("T")


class SlackSettings(Protocol):
    """The settings the bot reads."""

    @property
    def slack_max_concurrent_turns(self) -> int: ...
    @property
    def public_url(self) -> str: ...
    @property
    def slack_trusted_teams(self) -> frozenset[str]: ...


class SlackHost(Protocol):
    """What the bot uses of the composition root's container."""

    @property
    def engine(self) -> Engine: ...
    @property
    def settings(self) -> SlackSettings: ...
    @property
    def runner(self) -> Runner: ...
    @property
    def billing(self) -> BillingService: ...


@dataclass
class SlackBot:
    """Answers Slack mentions, DMs and button presses through the runner, one tracked task each."""

    container: SlackHost
    client: AsyncWebClient
    _tasks: set[asyncio.Task[None]] = field(default_factory=set, repr=False)
    _pruned_at: float | None = field(default=None, repr=False)
    _claim_pool: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(CLAIM_THREADS, "slack-claim"), repr=False
    )

    def __post_init__(self) -> None:
        self.links = SlackLinks(self.container.engine)
        self.settings = self.container.settings
        self._running = asyncio.Semaphore(self.settings.slack_max_concurrent_turns)

    async def _on_claim_threads(self, fn: Callable[..., T], *args: object) -> T:
        context = contextvars.copy_context()  # as asyncio.to_thread does (request ids in log lines)
        return await asyncio.get_running_loop().run_in_executor(self._claim_pool, context.run, fn, *args)

    # -- registration -------------------------------------------------------------------------------
    def register(self, app: AsyncApp) -> None:
        # Slack gets its answer once the signature is checked; the de-duplication claim (a database
        # write that can queue behind running turns' writes) and the turn run after it, in tracked tasks.
        async def on_mention(body: dict, event: dict, context: dict) -> None:
            self.spawn(self.on_event(body, event, context, mention=True))

        async def on_message(body: dict, event: dict, context: dict) -> None:
            self.spawn(self.on_event(body, event, context, mention=False))

        async def on_button(ack: Any, body: dict, action: dict) -> None:
            await ack()  # answer Slack first; the decision runs after
            self.spawn(self.decide(body, action))

        async def on_feedback(ack: Any, body: dict, action: dict) -> None:
            await ack()  # answer Slack first; the rating is stored after
            self.spawn(self.rate(body, action))

        app.event("app_mention")(on_mention)
        app.event("message")(on_message)
        app.action(render.CONFIRM_ID)(on_button)
        app.action(render.CANCEL_ID)(on_button)
        app.action(render.FEEDBACK_UP_ID)(on_feedback)
        app.action(render.FEEDBACK_DOWN_ID)(on_feedback)

    # -- background work ----------------------------------------------------------------------------
    def spawn(self, work: Coroutine[object, object, None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def idle(self) -> None:
        """Wait for every scheduled turn and decision (tests, graceful shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # -- events -------------------------------------------------------------------------------------
    async def on_event(self, body: dict, event: dict, context: dict, *, mention: bool) -> None:
        if event.get("bot_id") or event.get("subtype") not in TEXT_SUBTYPES or not event.get("user"):
            return
        bot_user = context.get("bot_user_id")
        team = body.get("team_id") or event.get("team") or ""
        channel, is_dm = event["channel"], event.get("channel_type") == "im" or event["channel"].startswith("D")
        if not mention and not is_dm:
            # A channel message reaches us only in a thread we already converse in; mentions come as app_mention.
            if not event.get("thread_ts") or (bot_user and f"<@{bot_user}" in event.get("text", "")):
                return
        incoming = Incoming(
            team,
            channel,
            event["user"],
            render.slack_text_to_plain(event.get("text", ""), bot_user),
            event.get("thread_ts") or event["ts"],
            is_dm,
            addressed=mention or is_dm,
        )
        if not incoming.addressed and await self._conversation_of(incoming.ref) is None:
            return
        if not await self._first(f"event:{body.get('event_id') or event['ts']}"):
            log.info("duplicate Slack event %s ignored", body.get("event_id"))
            return
        if not await self._first(f"message:{team}:{channel}:{event['ts']}"):
            return  # the same message as app_mention and as message: answered once
        self.spawn(self.converse(incoming))
        self._maybe_prune()

    def _maybe_prune(self) -> None:
        now = asyncio.get_running_loop().time()
        if self._pruned_at is None or now - self._pruned_at > PRUNE_EVERY:
            self._pruned_at = now
            self.spawn(self._prune())

    async def _prune(self) -> None:
        try:
            await asyncio.to_thread(prune, self.container.engine)
        except Exception:  # housekeeping only: never let it disturb a conversation
            log.exception("pruning old Slack event keys failed")

    async def converse(self, m: Incoming) -> None:
        try:
            async with self._running:
                await self._converse(m)
        except Exception:  # the user hears about it; nothing half-done is left (turns are transactional)
            log.exception("Slack turn failed")
            await self.post(m.channel, m.thread_ts, say.FAILED)

    async def _converse(self, m: Incoming) -> None:
        if await self._link_command(m):  # also in a thread reply: a code must never reach the model
            return
        email = await self.identify(m.team, m.user)
        if email is None:
            if m.addressed:
                await self.post(m.channel, m.thread_ts, say.unlinked(m.user))
            return
        principal = Principal(email, "slack")
        if not m.text:
            await self.post(m.channel, m.thread_ts, say.HELLO)
            return
        try:
            conv_id = await asyncio.to_thread(self._conversation_for, principal, m.ref)
        except NotYourThread:
            if m.addressed:
                await self.post(m.channel, m.thread_ts, say.NOT_YOUR_THREAD)
            return
        try:
            result = await asyncio.to_thread(self.container.runner.run_turn, principal, conv_id, m.text)
        except ConversationBusy:
            await self.post(m.channel, m.thread_ts, say.BUSY)
            return
        except DomainError as error:
            await self.post(m.channel, m.thread_ts, error.message)
            return
        await self._answer(m, result)

    async def _answer(self, m: Incoming, result: TurnResult) -> None:
        """A DM gets one message; a channel gets the reply, and the requester alone gets the links and
        the confirmation card (an ephemeral message), which carry bearer links and the action's ids. The reply
        carries 👍 / 👎, which only the requester may press."""
        base = self.settings.public_url
        feedback = render.feedback_blocks(result, m.ref, m.user, m.thread_ts)
        if m.is_dm:
            blocks = render.turn_blocks(result, base, m.user, m.thread_ts) + feedback
            await self.post(m.channel, m.thread_ts, result.reply, blocks)
            return
        public = render.public_turn_blocks(result, base) + feedback
        await self.post(m.channel, m.thread_ts, render.without_signed_links(result.reply), public)
        private = render.private_blocks(result, base, m.user, m.thread_ts)
        if private:
            await self.ephemeral(
                m.channel, m.user, "Only you can see this: your links and what to confirm.", m.thread_ts, private
            )

    async def _link_command(self, m: Incoming) -> bool:
        if UNLINK_COMMAND.match(m.text) and m.is_dm:
            was = await asyncio.to_thread(self.links.unlink, m.user)
            await self.post(m.channel, m.thread_ts, say.unlinked_done(was))
            return True
        command = LINK_COMMAND.match(m.text)
        if command is None:
            return False
        if not m.is_dm:  # others can read it: void it so nobody can DM it to the bot after
            await asyncio.to_thread(self.links.cancel, command.group(1), m.channel)
            await self.post(m.channel, m.thread_ts, say.LINK_IN_DM_ONLY)
            return True
        try:
            email = await asyncio.to_thread(self.links.redeem, command.group(1), m.user, m.team)
        except LinkLocked:
            await self.post(m.channel, m.thread_ts, say.LINK_LOCKED)
            return True
        await self.post(m.channel, m.thread_ts, say.linked(email) if email else say.LINK_FAILED)
        return True

    # -- buttons ------------------------------------------------------------------------------------
    async def decide(self, body: dict, action: dict) -> None:
        try:
            async with self._running:
                await self._decide(body, action)
        except Exception:
            log.exception("Slack decision failed")
            await self.ephemeral(body["channel"]["id"], body["user"]["id"], say.FAILED, None)

    async def _decide(self, body: dict, action: dict) -> None:
        value = render.parse_button_value(action["value"])
        clicker, channel = body["user"]["id"], body["channel"]["id"]
        thread_ts = value["thread_ts"]
        email = await self._presser(body, value["requester"], thread_ts, say.only_requester)
        if email is None:
            return
        approve = action["action_id"] == render.CONFIRM_ID
        try:
            outcome = await asyncio.to_thread(
                self.container.runner.decide,
                Principal(email, "slack"),
                value["conversation_id"],
                value["action_id"],
                approve,
            )
        except ActionAlreadyDecided as already:
            await self.ephemeral(channel, clicker, say.already_decided(already.status), thread_ts)
            return
        except (ActionNotFound, NotFound):
            await self.ephemeral(channel, clicker, say.NOT_FOUND, thread_ts)
            return
        except ConversationBusy:
            await self.ephemeral(channel, clicker, say.BUSY, thread_ts)
            return
        original = (body.get("message") or {}).get("blocks") or render.outcome_blocks(outcome)
        decided = render.decided_card(original, outcome.status, clicker)
        if (body.get("container") or {}).get("is_ephemeral"):  # only its response_url can replace it
            await self.replace(body.get("response_url") or "", decided)
        else:
            await self.update(channel, body["container"]["message_ts"], decided)
        await self.post(channel, thread_ts, outcome.reply, render.outcome_blocks(outcome))

    async def rate(self, body: dict, action: dict) -> None:
        try:
            await self._rate(body, action)
        except Exception:
            log.exception("Slack feedback failed")
            await self.ephemeral(body["channel"]["id"], body["user"]["id"], say.FAILED, None)

    async def _rate(self, body: dict, action: dict) -> None:
        """A 👍 / 👎 press: stored as the requester's rating of the reply, and thanked privately."""
        button = render.parse_feedback_value(action["value"])
        clicker, channel = body["user"]["id"], body["channel"]["id"]
        email = await self._presser(body, button.requester, button.thread_ts, say.only_requester_rates)
        if email is None:
            return
        rating = "up" if action["action_id"] == render.FEEDBACK_UP_ID else "down"
        try:
            await asyncio.to_thread(self._rate_reply, Principal(email, "slack"), button, rating)
        except NotFound:
            await self.ephemeral(channel, clicker, say.FEEDBACK_NOT_FOUND, button.thread_ts)
            return
        await self.ephemeral(channel, clicker, say.FEEDBACK_THANKS, button.thread_ts)

    def _rate_reply(self, principal: Principal, button: render.FeedbackButton, rating: str) -> None:
        """The runner checks the thread's conversation is this user's and the message one of its replies."""
        conv = self.container.runner.conversation_by_ref(button.ref)
        if conv is None:
            raise NotFound("conversation", button.ref)
        self.container.runner.rate(principal, conv.id, button.message_id, rating)

    async def _presser(self, body: dict, requester: str, thread_ts: str, refusal: Callable[[str], str]) -> str | None:
        """The portal e-mail of whoever pressed a button, when it is the requester the button was posted for
        and they are linked. Anyone else is told privately (`refusal` names the requester), and gets None."""
        clicker, channel = body["user"]["id"], body["channel"]["id"]
        if clicker != requester:
            await self.ephemeral(channel, clicker, refusal(requester), thread_ts)
            return None
        email = await self.identify((body.get("team") or {}).get("id") or body["user"].get("team_id", ""), clicker)
        if email is None:
            await self.ephemeral(channel, clicker, say.unlinked(clicker), thread_ts)
        return email

    # -- identity and conversations -----------------------------------------------------------------
    async def identify(self, team: str, slack_user: str) -> str | None:
        """The linked portal e-mail; in a trusted workspace a verified Slack e-mail links on first use."""
        email = await asyncio.to_thread(self.links.email_for, slack_user)
        if email or team not in self.settings.slack_trusted_teams:
            return email
        try:
            user = (await self.client.users_info(user=slack_user)).get("user") or {}
        except SlackApiError as error:
            log.warning("users.info failed: %s", error.response.get("error"))
            return None
        email = verified_email(user, self.settings.slack_trusted_teams)
        if email is None or not await asyncio.to_thread(self._is_portal_user, email):
            return None
        await asyncio.to_thread(self.links.link, slack_user, email, "slack_email", team)
        return email

    def _is_portal_user(self, email: str) -> bool:
        try:
            self.container.billing.me(Principal(email, "slack"))
        except UnknownUser:
            return False
        except DomainError:
            return True  # known, e.g. a reseller: they get explanations, never data
        return True

    async def _conversation_of(self, ref: str) -> Conversation | None:
        return await self._on_claim_threads(self.container.runner.conversation_by_ref, ref)

    def _conversation_for(self, principal: Principal, ref: str) -> str:
        """One conversation per Slack thread, owned by whoever started it."""
        conv = self.container.runner.conversation_for_ref(principal, ref)
        if conv.user_email != principal.email:
            raise NotYourThread(ref)
        return conv.id

    async def _first(self, key: str) -> bool:
        return await self._on_claim_threads(claim, self.container.engine, key)

    # -- Web API ------------------------------------------------------------------------------------
    async def post(self, channel: str, thread_ts: str, text: str, blocks: list[dict] | None = None) -> None:
        try:
            await self.client.chat_postMessage(
                channel=channel,
                thread_ts=thread_ts,
                text=text[:3000],
                blocks=blocks or render.sections(text),
                unfurl_links=False,
            )
        except SlackApiError as error:
            log.error("chat.postMessage failed: %s", error.response.get("error"))

    async def ephemeral(
        self, channel: str, user: str, text: str, thread_ts: str | None, blocks: list[dict] | None = None
    ) -> None:
        try:
            await self.client.chat_postEphemeral(
                channel=channel, user=user, text=text, thread_ts=thread_ts, blocks=blocks
            )
        except SlackApiError as error:
            log.error("chat.postEphemeral failed: %s", error.response.get("error"))

    async def replace(self, response_url: str, blocks: list[dict]) -> None:
        """Replace an ephemeral message (chat.update cannot) through the interaction's response_url."""
        if not response_url.startswith(("https://", "http://")):
            log.error("no response_url to replace the ephemeral message with")
            return
        response = await AsyncWebhookClient(response_url).send(
            replace_original=True, text="Request decided.", blocks=blocks
        )
        if response.status_code != 200:
            log.error("response_url answered %s", response.status_code)

    async def update(self, channel: str, ts: str, blocks: list[dict]) -> None:
        try:
            await self.client.chat_update(channel=channel, ts=ts, blocks=blocks, text="Request decided.")
        except SlackApiError as error:
            log.error("chat.update failed: %s", error.response.get("error"))
