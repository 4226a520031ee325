"""Versions in the JSON document (issue 18): left out unless asked for (`--with-history`,
`?history=1`); when asked, each version is a whole document without who added which note;
an import keeps them as the new map's versions, which restore and compare; a malformed version
is refused at its place, nothing written."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from maps import operations as ops
from maps.models import JourneyMap, MapVersion
from reports.compare import compare_snapshots
from reports.export.json_io import DocumentInvalid, export_document, import_map

pytestmark = pytest.mark.django_db


@pytest.fixture
def versioned(journey_map, actor) -> JourneyMap:
    stage = journey_map.stages.order_by("position").first()
    note = ops.add_touchpoint(actor, journey_map, stage=stage.pk, text="First words")
    ops.add_action(actor, journey_map, touchpoint=note.payload["touchpoint"]["id"], text="Do it")
    ops.take_version(actor, journey_map, "Before the workshop")
    ops.update_touchpoint(actor, journey_map, note.payload["touchpoint"]["id"], text="Later words")
    return journey_map


def test_versions_are_left_out_unless_asked(versioned):
    assert "versions" not in export_document(versioned)
    document = export_document(versioned, with_history=True)
    [version] = document["versions"]
    assert version["name"] == "Before the workshop"
    assert [t["text"] for t in version["document"]["touchpoints"]] == ["First words"]
    assert "author" not in json.dumps(version["document"])  # as the export always leaves it out


def test_the_command_and_the_view_take_the_history_when_asked(versioned, client, owner, tmp_path):
    plain, full = tmp_path / "plain.json", tmp_path / "full.json"
    call_command("export_map_json", versioned.pk, "-o", str(plain))
    call_command("export_map_json", versioned.pk, "-o", str(full), "--with-history")
    assert "versions" not in json.loads(plain.read_text())
    assert len(json.loads(full.read_text())["versions"]) == 1
    client.force_login(owner)
    url = reverse("map_json", args=[versioned.pk])
    assert "versions" not in json.loads(client.get(url).content)
    assert len(json.loads(client.get(url, {"history": "1"}).content)["versions"]) == 1


def test_an_import_keeps_the_versions_which_restore_and_compare(versioned, actor):
    document = json.loads(json.dumps(export_document(versioned, with_history=True)))
    copy, _ = import_map(actor, document)
    version = MapVersion.objects.get(map=copy)
    assert (version.name, version.imported) == ("Before the workshop", True)
    rows = compare_snapshots(version.snapshot, ops.version_snapshot(copy), by_id=False)
    assert [(c.before.text, c.after.text) for r in rows for c in r.changed] == [
        ("First words", "Later words")
    ]
    ops.restore_version(actor, copy, version)
    assert list(copy.touchpoints.values_list("text", flat=True)) == ["First words"]
    assert list(copy.actions.values_list("text", flat=True)) == ["Do it"]
    # Exported again, the round trip holds.
    versions = export_document(copy, with_history=True)["versions"]
    again = next(v for v in versions if v["name"] == "Before the workshop")
    assert again["document"]["touchpoints"] == document["versions"][0]["document"]["touchpoints"]


@pytest.mark.parametrize(
    ("version", "problem"),
    [
        ({"name": "x"}, "versions[0].document: is missing"),
        ({"name": "", "document": {}}, "versions[0].name: name cannot be empty."),
        ({"name": "x" * 10_000, "document": {}}, "versions[0].name: name is limited to 120"),
        ({"name": "x", "kind": "evil", "document": {}}, "versions[0].kind"),
        ({"name": "x", "revision": -1, "document": {}}, "versions[0].revision"),
        ({"name": "x", "created_at": "yesterday", "document": {}}, "versions[0].created_at"),
        ({"name": "x", "document": []}, "versions[0].document: document: must be an object"),
        ({"name": "x", "document": {"versions": []}}, "versions[0].document: document.versions"),
    ],
)
def test_a_malformed_version_is_refused_at_its_place(versioned, actor, version, problem):
    document = json.loads(json.dumps(export_document(versioned, with_history=True)))
    good = document["versions"][0]["document"]
    if version.get("document") == {}:
        version["document"] = good
    elif isinstance(version.get("document"), dict) and "versions" in version["document"]:
        version["document"] = {**good, "versions": []}
    document["versions"] = [version]
    maps_before = JourneyMap.objects.count()
    with pytest.raises(DocumentInvalid) as refused:
        import_map(actor, document)
    assert any(problem in error for error in refused.value.errors), refused.value.errors
    assert JourneyMap.objects.count() == maps_before


def test_a_hostile_version_name_is_kept_as_text(versioned, actor):
    document = json.loads(json.dumps(export_document(versioned, with_history=True)))
    document["versions"][0]["name"] = "<script>alert(1)</script>\u202e\u200b"
    copy, _ = import_map(actor, document)
    assert MapVersion.objects.get(map=copy).name == "<script>alert(1)</script>\u202e\u200b"
