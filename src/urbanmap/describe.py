"""Plain-data descriptions of features for panels and exports (no Streamlit).

``describe(fid, lang)`` gathers what a planner reads about a feature: name,
kind, hierarchy (admin) or role/description/members (thematic), schematic
flag and source — all as plain strings, escaped later by whatever renders them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import admin, features, measure
from .i18n import t


@dataclass
class Description:
    id: str
    name: str
    kind: str  # e.g. "县级行政区 · 县/区/市" or the layer title
    layer_id: str
    schematic: bool
    facts: list[tuple[str, str]] = field(default_factory=list)
    text: str = ""
    source: str = ""


def _admin_chain(adcode: str) -> list[str]:
    names = []
    cur = admin.unit(adcode)
    while cur is not None:
        names.append(cur["name"])
        parent = cur.get("parent_adcode")
        cur = admin.unit(parent) if parent else None
    return list(reversed(names))


def _names_of(codes: str) -> str:
    out = []
    for c in str(codes or "").replace("，", ",").split(","):
        c = c.strip()
        if not c:
            continue
        u = admin.unit(c)
        out.append(u["name"] if u else c)
    return "、".join(out)


def describe(fid: str, lang: str = "zh") -> Description | None:
    f = features.lookup(fid)
    if f is None:
        return None
    spec, a = f["spec"], f["attrs"]
    schematic = bool(a.get("schematic") in (True, "true", 1) or spec.schematic)
    d = Description(id=fid, name=str(a.get("name") or fid), kind=spec.title(lang), layer_id=spec.id, schematic=schematic)
    geom = f["geometry"]
    if spec.group == "admin":
        d.kind = f"{spec.title(lang)} · {t('level.' + str(a.get('level')), lang)}"
        chain = _admin_chain(fid)
        if len(chain) > 1:
            d.facts.append((t("field.within", lang), " › ".join(chain[:-1])))
        d.facts.append((t("field.adcode", lang), fid))
        d.facts.append((t("field.area", lang), f"{measure.area_km2(geom):,.0f} km²"))
        d.source = spec.source.get("dataset", "")
        return d
    if a.get("role"):
        d.facts.append((t("field.role", lang), str(a["role"])))
    if a.get("line_type_zh"):
        d.facts.append((t("field.line_type", lang), str(a["line_type_zh"])))
    if a.get("legal_basis"):
        d.facts.append((t("field.legal_basis", lang), str(a["legal_basis"])))
    if a.get("members"):
        d.facts.append((t("field.members", lang), _names_of(a["members"])))
    if a.get("membership_basis"):
        d.facts.append((t("field.membership_basis", lang), str(a["membership_basis"])))
    if a.get("schematic_note"):
        d.facts.append((t("field.schematic_note", lang), str(a["schematic_note"])))
    if spec.geometry == "polygon":
        d.facts.append((t("field.area", lang), f"{measure.area_km2(geom):,.1f} km²"))
    elif spec.geometry == "line":
        d.facts.append((t("field.length", lang), f"{measure.length_km(geom):,.1f} km"))
    d.text = str(a.get("description") or spec.description(lang))
    src = a.get("source") or spec.source.get("seed") or spec.source.get("file") or ""
    sec = a.get("source_section") or spec.source.get("section") or ""
    d.source = " · ".join(x for x in (str(src), str(sec)) if x)
    return d


def elements(layer_ids, lang: str = "zh"):
    """The features of some layers as a reading list: id, name, role, description, layer, schematic."""
    import pandas as pd

    from . import catalog
    from .layers import get_spec

    rows = []
    for lid in layer_ids:
        spec = get_spec(lid)
        gdf = catalog.get_layer(lid)
        for rec in gdf.drop(columns=gdf.geometry.name).to_dict("records"):
            rows.append({
                "id": str(rec.get(spec.key_field)), "name": str(rec.get("name") or ""), "role": str(rec.get("role") or ""),
                "description": str(rec.get("description") or ""), "layer": spec.title(lang),
                "schematic": bool(rec.get("schematic") in (True, "true") or spec.schematic),
                "note": str(rec.get("schematic_note") or ""),
            })
    return pd.DataFrame(rows)
