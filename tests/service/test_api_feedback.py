"""Rating a reply over the API: `POST /v1/conversations/{id}/messages/{message_id}/feedback`."""

from __future__ import annotations

import pytest
from sqlalchemy import text

CARD = "4242 4242 4242 4242"


async def _answered(client, world, who="alice") -> tuple[str, int]:
    """A conversation with one answered question, and the reply's message id."""
    conv = (await client.post("/v1/conversations", headers=world.auth(who))).json()["conversation_id"]
    r = await client.post(
        f"/v1/conversations/{conv}/messages", json={"text": "How do I pay an invoice?"}, headers=world.auth(who)
    )
    assert r.status_code == 200, r.text
    return conv, r.json()["message_id"]


async def _rate(client, world, conv, message_id, body, who="alice"):
    return await client.post(
        f"/v1/conversations/{conv}/messages/{message_id}/feedback", json=body, headers=world.auth(who)
    )


def _rows(world) -> list[dict]:
    with world.container.engine.connect() as conn:
        sql = "SELECT conversation_id, message_seq, user_email, rating, comment FROM feedback"
        return [dict(r) for r in conn.execute(text(sql)).mappings()]


async def test_a_reply_is_rated_and_the_stored_rating_returned(client, world):
    conv, reply = await _answered(client, world)
    r = await _rate(client, world, conv, reply, {"rating": "up"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert {k: body[k] for k in ("conversation_id", "message_id", "rating", "comment")} == {
        "conversation_id": conv,
        "message_id": reply,
        "rating": "up",
        "comment": "",
    }
    assert body["created_at"] == body["updated_at"]
    assert _rows(world) == [
        {"conversation_id": conv, "message_seq": reply, "user_email": "alice@acme.example", "rating": 1, "comment": ""}
    ]


async def test_rating_again_replaces_the_rating_in_one_row(client, world):
    conv, reply = await _answered(client, world)
    first = (await _rate(client, world, conv, reply, {"rating": "up"})).json()
    again = await _rate(client, world, conv, reply, {"rating": "down", "comment": "  It did not say where.  "})
    assert again.status_code == 200
    assert (again.json()["rating"], again.json()["comment"]) == ("down", "It did not say where.")
    assert again.json()["created_at"] == first["created_at"]
    assert [(r["rating"], r["comment"]) for r in _rows(world)] == [(-1, "It did not say where.")]


async def test_a_card_number_in_the_comment_is_stored_masked(client, world):
    conv, reply = await _answered(client, world)
    r = await _rate(client, world, conv, reply, {"rating": "down", "comment": f"my card {CARD} was refused"})
    assert r.status_code == 200
    [row] = _rows(world)
    assert "4242 4242" not in row["comment"] and "ending 4242" in row["comment"]
    assert r.json()["comment"] == row["comment"]


async def test_someone_elses_conversation_is_not_found(client, world):
    conv, reply = await _answered(client, world)
    theirs = await _rate(client, world, conv, reply, {"rating": "down"}, who="bob")
    unknown = await _rate(client, world, "conv_nope", reply, {"rating": "down"}, who="bob")
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.text.replace(conv, "ID") == unknown.text.replace("conv_nope", "ID")  # the same answer
    assert theirs.json()["entity"] == "conversation" and _rows(world) == []


@pytest.mark.parametrize("which", ["the user's own message", "no such message"])
async def test_a_message_that_is_not_an_assistant_reply_is_not_found(client, world, which):
    conv, reply = await _answered(client, world)
    message_id = reply - 1 if which == "the user's own message" else reply + 50
    r = await _rate(client, world, conv, message_id, {"rating": "up"})
    assert r.status_code == 404
    assert (r.json()["entity"], r.json()["entity_id"]) == ("message", str(message_id))
    assert _rows(world) == []


@pytest.mark.parametrize(
    "body",
    [{"rating": "meh"}, {"rating": 1}, {}, {"rating": "down", "comment": "x" * 501}, {"rating": "up", "extra": 1}],
    ids=["unknown rating", "number", "no rating", "comment too long", "unknown field"],
)
async def test_bad_input_is_422_and_changes_nothing(client, world, body):
    conv, reply = await _answered(client, world)
    await _rate(client, world, conv, reply, {"rating": "up", "comment": "kept"})
    r = await _rate(client, world, conv, reply, body)
    assert r.status_code == 422 and r.json()["error"] == "invalid_input"
    assert "x" * 50 not in r.text  # the input is not echoed back
    assert [(row["rating"], row["comment"]) for row in _rows(world)] == [(1, "kept")]


async def test_a_comment_of_500_characters_once_stripped_is_accepted(client, world):
    conv, reply = await _answered(client, world)
    r = await _rate(client, world, conv, reply, {"rating": "down", "comment": "  " + "y" * 500 + "\n"})
    assert r.status_code == 200 and r.json()["comment"] == "y" * 500


async def test_without_a_token_it_is_401(client, world):
    conv, reply = await _answered(client, world)
    r = await client.post(f"/v1/conversations/{conv}/messages/{reply}/feedback", json={"rating": "up"})
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert _rows(world) == []


async def test_the_route_is_documented(client):
    spec = (await client.get("/openapi.json")).json()
    route = spec["paths"]["/v1/conversations/{conversation_id}/messages/{message_id}/feedback"]["post"]
    assert route["summary"].startswith("Rate an assistant reply")
    assert {"200", "401", "404", "422"} <= set(route["responses"])
    assert route["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/FeedbackOut")
    comment = spec["components"]["schemas"]["FeedbackIn"]["properties"]["comment"]
    assert comment["maxLength"] == 500


async def test_the_reply_to_a_confirm_button_can_be_rated_too(client, world):
    conv = (await client.post("/v1/conversations", headers=world.auth("alice"))).json()["conversation_id"]
    turn = await client.post(
        f"/v1/conversations/{conv}/messages", json={"text": "pay INV-1001"}, headers=world.auth("alice")
    )
    action = turn.json()["pending_action"]["id"]
    done = await client.post(f"/v1/conversations/{conv}/actions/{action}/confirm", headers=world.auth("alice"))
    assert done.status_code == 200 and done.json()["status"] == "executed"
    outcome = done.json()["message_id"]
    assert outcome > turn.json()["message_id"]
    r = await _rate(client, world, conv, outcome, {"rating": "up"})
    assert r.status_code == 200 and [(x["message_seq"], x["rating"]) for x in _rows(world)] == [(outcome, 1)]


async def test_the_conversation_shows_each_reply_with_the_readers_own_rating(client, world):
    conv, reply = await _answered(client, world)
    await _rate(client, world, conv, reply, {"rating": "down", "comment": "too long"})
    messages = (await client.get(f"/v1/conversations/{conv}", headers=world.auth("alice"))).json()["messages"]
    assert [(m["role"], m.get("rating")) for m in messages] == [("user", None), ("assistant", "down")]
