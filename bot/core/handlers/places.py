"""find_places: the venues for a craft, an activity, an area or a point (a landmark, a shared location).

Only venues whose record offers that craft that way are named ("try" only where the hands-on offer
itself names the craft); distances only from researched coordinates, nearest first.
"""

from __future__ import annotations

import math

from bot.core.blocks import VenueItem, VenueListBlock
from bot.core.handlers import handles, reply
from bot.core.kit import Kit
from bot.core.lexicon import words
from bot.core.types import Context
from bot.models import Answer
from ingest.schema import Venue

LIMIT = 5
NEAR_METRES = 1500  # "near" a landmark: within a walk


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> int:
    """Great-circle distance in metres (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return int(2 * 6_371_000 * math.asin(math.sqrt(h)))


def _origin(ctx: Context, kit: Kit) -> tuple[tuple[float, float], str] | None:
    """Where distances are measured from: a location shared now, the first landmark named, a location shared
    earlier in the chat (the landmark wins: "near Kenrokuen" asks about Kenrokuen, not about where I stand)."""
    if ctx.question.location:
        return ctx.question.location, "your_location"
    named = landmark_origin(ctx, kit)
    if named is not None:
        return named
    if ctx.question.shared_before:
        return ctx.question.shared_before, "your_location"
    return None


def landmark_origin(ctx: Context, kit: Kit) -> tuple[tuple[float, float], str] | None:
    """The first landmark the question's slots name, as a point and its name in the user's language."""
    for landmark in ctx.slots.landmarks:
        m = kit.knowledge.landmarks.get(landmark)
        if m is not None:
            return (m.location.latitude, m.location.longitude), m.name.get(ctx.question.lang)
    return None


def with_distance(item: VenueItem, venue: Venue, distances: dict[str, int]) -> VenueItem:
    """The item with its distance, marked approximate when the venue's coordinates are its town block's."""
    item.distance_m = distances.get(venue.id)
    item.distance_approx = item.distance_m is not None and not venue.location.exact
    return item


def _in_area(venue: Venue, areas: list[str]) -> bool:
    return any(area in words(venue.area.en) for area in (f" {a} " for a in areas))


@handles("find_places")
def find_places(ctx: Context, kit: Kit) -> Answer:
    s, lang = ctx.slots, ctx.question.lang
    cites = ctx.cites
    kinds = [s.activity] if s.activity else []
    blocks: list = []
    kind, reason = "answer", ""
    params = {
        "crafts": " / ".join(kit.knowledge.crafts[c].name.get(lang) for c in s.crafts[:2]),
        "activity": s.activity or "",
    }
    if s.crafts:
        venues = kit.venues_for(s.crafts, kinds)
        if not venues and kinds:
            venues = kit.venues_for(s.crafts, [])
            kind, reason = ("unknown", "no_place_for_activity")
            blocks.append(kit.notice("no_place_for_activity", **params))
        if not venues:
            craft = kit.knowledge.crafts[s.crafts[0]]
            from bot.core.handlers.crafts import craft_card

            blocks = [
                kit.notice("no_place_for_craft", crafts=craft.name.get(lang)),
                craft_card(craft, kit, lang, cites),
            ]
            return reply(ctx, "unknown", blocks, cites, "no_place_for_craft")
        heading = "places_for_craft" if not reason else "places_with_craft"
    else:
        venues = [v for v in kit.knowledge.venues.values() if not kinds or any(v.offers(c, kinds[0]) for c in v.crafts)]
        heading = "places_for_activity" if kinds else "places"
    if s.areas:
        inside = [v for v in venues if _in_area(v, s.areas)]
        if inside or not _origin(ctx, kit):
            venues = inside
        params["area"] = s.areas[0].strip().title()
    origin = _origin(ctx, kit)
    distances: dict[str, int] = {}
    if origin is not None:
        point, name = origin
        distances = {v.id: distance_m(point, (v.location.latitude, v.location.longitude)) for v in venues if v.location}
        venues = sorted(venues, key=lambda v: (v.id not in distances, distances.get(v.id, 0)))
        params["origin"] = name
        heading = "places_near" if heading == "places" else f"{heading}_near"  # what, and from where
        if not distances:
            blocks.append(kit.notice("no_coordinates_for_these"))
    if not venues:
        blocks.append(kit.notice("no_place_found", **params))
        blocks += kit.topics_block(ctx.evidence.hits, lang, kinds=("venue", "craft"))
        return reply(ctx, "unknown", blocks, cites, "no_place_found")
    with_hours = s.attribute in ("hours", "price")
    items = []
    for venue in venues[:LIMIT]:
        items.append(with_distance(kit.venue_item(venue, lang, cites, hours=with_hours), venue, distances))
    blocks.append(VenueListBlock(heading=heading, params=params, items=items, more=max(0, len(venues) - LIMIT)))
    if any(i.distance_approx for i in items):
        blocks.append(kit.notice("distance_approx_note"))
    if with_hours or s.attribute == "booking":
        blocks.append(kit.notice("reported_only"))
    blocks.append(kit.notice("check_before_visiting"))
    return reply(ctx, kind, blocks, cites, reason, places=venues[:LIMIT])
