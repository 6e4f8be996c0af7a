#!/usr/bin/env python3
"""A short story told through a client generated from openapi/openapi.json (client-story.sh).

The village registers a household, reads it back, the village head records the democratic
appraisal, and the county lists the identification tasks the household opened. Every call goes
through the generated client's functions and models, never raw HTTP, so a document that
disagrees with what the gateway serves (a missing operation, a wrong model, an answer that does not
parse into its model) fails the story.

Usage: client_story.py GATEWAY_URL TOKENS_ENV   (the generated package `chain_client` importable)
"""

import sys
from http import HTTPStatus

from chain_client import AuthenticatedClient
from chain_client.api.identification import household_appraise, household_get, household_register
from chain_client.api.tasks import task_list
from chain_client.models import Appraisal, Household, MemberInput, Problem, RegisterHousehold, Task
from chain_client.models.cause import Cause
from chain_client.models.household_status import HouseholdStatus
from chain_client.models.relation import Relation


def tokens(path):
    """The `export NAME=value` lines of tokens.env."""
    found = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("export ") and "=" in line:
                name, value = line[len("export "):].split("=", 1)
                found[name] = value.strip("'\"")
    return found


def expect(what, response, status):
    if response.status_code != status:
        detail = response.parsed.detail if isinstance(response.parsed, Problem) else response.content[:500]
        raise SystemExit(f"client-story: {what} answered {int(response.status_code)}, not {int(status)}: {detail}")
    print(f"client-story: {what}: {int(response.status_code)}")
    return response.parsed


def main():
    gateway, env = sys.argv[1], tokens(sys.argv[2])
    village = AuthenticatedClient(base_url=gateway, token=env["VILLAGE"], raise_on_unexpected_status=True)
    head = AuthenticatedClient(base_url=gateway, token=env["VILLAGEHEAD"], raise_on_unexpected_status=True)
    county = AuthenticatedClient(base_url=gateway, token=env["SINAN"], raise_on_unexpected_status=True)

    application = RegisterHousehold(
        village="520624101201",
        year=2016,
        main_cause=Cause.ILLNESS,
        other_causes=[Cause.LACK_OF_SKILLS],
        per_capita_income_fen=210000,
        members=[
            MemberInput(name="杨光明", resident_id="520624198001010027", relation=Relation.HEAD),
            MemberInput(name="杨小雨", resident_id="520624200506070033", relation=Relation.CHILD),
        ],
    )
    registered = expect(
        "register a household", household_register.sync_detailed(client=village, body=application), HTTPStatus.CREATED
    )
    assert isinstance(registered, Household), registered
    assert registered.status == HouseholdStatus.APPLIED, registered.status
    assert registered.main_cause == Cause.ILLNESS, registered.main_cause
    assert all("*" in m.resident_id for m in registered.members), "resident IDs come back masked"

    answer = household_get.sync_detailed(registered.id, client=village)
    read = expect("read it back", answer, HTTPStatus.OK)
    assert read.id == registered.id and read.version == registered.version, (read.id, read.version)
    assert answer.headers["etag"] == f'"{read.version}"', answer.headers.get("etag")

    appraisal = Appraisal(votes_for=23, votes_against=2)
    appraised = expect(
        "appraise it",
        household_appraise.sync_detailed(registered.id, client=head, body=appraisal, if_match=f'"{read.version}"'),
        HTTPStatus.OK,
    )
    assert appraised.status == HouseholdStatus.APPRAISED, appraised.status
    assert appraised.version > read.version

    tasks = expect("list its tasks", task_list.sync_detailed(client=county, subject_id=registered.id), HTTPStatus.OK)
    assert tasks and all(isinstance(t, Task) and t.subject_id == registered.id for t in tasks), tasks
    divisions = sorted(t.division for t in tasks)
    assert divisions == ["520624", "520624101", "520624101201"], divisions
    print(f"client-story: the household's {len(tasks)} tasks: " + ", ".join(f"{t.division} {t.state.value}" for t in tasks))
    print("client-story: passed")


if __name__ == "__main__":
    main()
