"""venue_info: one venue (or the venues just shown) and, when asked, one of its attributes.

Hours, prices and booking exist only as reported, for some venues: what is recorded is shown as
reported with "check before visiting"; what is not recorded is said to be unknown, with the venue's
own website or telephone to ask.
"""

from __future__ import annotations

from bot.core.blocks import CardBlock, CardField, VenueListBlock
from bot.core.handlers import handles, reply
from bot.core.kit import Citations, Kit, map_url
from bot.core.types import Context
from bot.models import Answer
from ingest.schema import Lang, Venue

PRICE_MARKS = ("円", "yen", "¥", "free", "無料")


def attribute_value(venue: Venue, attribute: str, lang: Lang, kit: Kit) -> str:
    """What the record says about this attribute ('' when it does not say)."""
    reported = venue.hours_as_reported.get(lang) if venue.hours_as_reported else ""
    if attribute == "hours":
        return reported
    if attribute == "price":
        return reported if any(m in reported.lower() for m in PRICE_MARKS) else ""
    if attribute == "booking":
        offer = venue.hands_on.reservation_as_reported if venue.hands_on else None
        return offer.get(lang) if offer else ""
    if attribute == "address":
        return kit.venue_item(venue, lang, Citations(kit.knowledge)).address
    if attribute == "website":
        return str(venue.website or "")
    if attribute == "map":
        return map_url(venue)
    if attribute == "phone":
        return venue.tel or ""
    if attribute == "languages":
        return venue.languages_note or ""
    return ""  # access, capacity, dates, apply…: the directory records none of these for venues


def venue_card(venue: Venue, kit: Kit, lang: Lang, cites: Citations, focus: str | None = None) -> CardBlock:
    item = kit.venue_item(venue, lang, cites, hours=True)
    crafts = ("、" if lang == "ja" else "; ").join(kit.knowledge.crafts[c].name.get(lang) for c in venue.crafts)
    fields = [CardField(label="venue.kinds", value=",".join(venue.kinds))]
    fields += [CardField(label="venue.crafts", value=crafts)] if crafts else []
    fields += [CardField(label="venue.hands_on", value=item.hands_on, reported=True)] if item.hands_on else []
    fields += [CardField(label="venue.booking", value=item.booking, reported=True)] if item.booking else []
    fields += [
        CardField(label=f"venue.{name}", value=value)
        for name, value in (("address", item.address), ("website", item.website), ("map", item.map_url))
        if value
    ]
    fields += [CardField(label="venue.tel", value=venue.tel)] if venue.tel else []
    fields += [CardField(label="venue.hours", value=item.hours, reported=True)] if item.hours else []
    fields += [CardField(label="venue.languages", value=venue.languages_note)] if venue.languages_note else []
    fields.append(CardField(label=f"confidence.{venue.confidence}", value=""))
    if focus:  # the field asked about first
        fields.sort(key=lambda f: f.label != f"venue.{'tel' if focus == 'phone' else focus}")
    return CardBlock(
        kind="venue",
        record_id=venue.id,
        title=item.name,
        other_name=item.other_name,
        subtitle=item.area,
        summary=venue.summary.get(lang),
        fields=fields,
        cite=item.cite,
    )


@handles("venue_info")
def venue_info(ctx: Context, kit: Kit) -> Answer:
    lang, attribute = ctx.question.lang, ctx.slots.attribute
    cites = ctx.cites
    venues = [kit.knowledge.venues[v] for v in ctx.slots.venues if v in kit.knowledge.venues]
    if not venues:
        from bot.core.handlers.documents import unknown_or_documents

        return unknown_or_documents(ctx, kit, kinds=("venue",))
    if len(venues) > 1 and attribute:
        items = []
        for venue in venues:
            item = kit.venue_item(venue, lang, cites, hours=attribute in ("hours", "price"))
            item.booking = attribute_value(venue, "booking", lang, kit) if attribute == "booking" else item.booking
            items.append(item)
        known = [v for v in venues if attribute_value(v, attribute, lang, kit)]
        blocks = [
            kit.notice("attribute_of_places", attribute=attribute),
            VenueListBlock(heading="places", items=items),
            kit.notice("reported_only"),
            kit.notice("check_before_visiting"),
        ]
        kind, reason = ("answer", "") if known else ("unknown", f"no_{attribute}_recorded")
        return reply(ctx, kind, blocks, cites, reason, places=venues)
    venue = venues[0]
    card = venue_card(venue, kit, lang, cites, focus=attribute)
    if attribute and not attribute_value(venue, attribute, lang, kit):
        ask = " / ".join(x for x in (str(venue.website or ""), f"TEL {venue.tel}" if venue.tel else "") if x)
        blocks = [
            kit.notice("attribute_not_recorded", attribute=attribute, name=venue.name.get(lang), ask=ask),
            card,
            kit.notice("check_before_visiting"),
            kit.contacts(lang),
        ]
        return reply(ctx, "unknown", blocks, cites, f"no_{attribute}_recorded", places=[venue])
    blocks = [*_from_landmark(ctx, kit, venue), card, kit.notice("check_before_visiting")]
    if attribute in ("hours", "price", "booking"):
        blocks.insert(0, kit.notice("reported_only"))
    return reply(ctx, "answer", blocks, cites, places=[venue])


def _from_landmark(ctx: Context, kit: Kit, venue: Venue) -> list:
    """ "Is it near Higashi Chaya?" about one venue: its straight-line distance from the landmark, when
    the venue has researched coordinates (nothing is said about a walk the data cannot measure)."""
    from bot.core.handlers.places import distance_m, landmark_origin, with_distance

    origin = landmark_origin(ctx, kit)
    if origin is None or venue.location is None:
        return []
    point, name = origin
    distances = {venue.id: distance_m(point, (venue.location.latitude, venue.location.longitude))}
    item = with_distance(kit.venue_item(venue, ctx.question.lang, ctx.cites), venue, distances)
    blocks: list = [VenueListBlock(heading="places_near", params={"origin": name}, items=[item])]
    if item.distance_approx:
        blocks.append(kit.notice("distance_approx_note"))
    return blocks
