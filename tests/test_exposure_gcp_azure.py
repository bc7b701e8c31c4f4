"""public-or-unencrypted-storage on GCP and Azure databases, and Azure Shared Key access.

Each resource kind gets a bad and a good example as the engine sends it (wire-form camelCase
props), straight through the rule; then a real program using the provider SDKs is recorded and
sent through the pack over gRPC, with and without a policy config that forbids Shared Key
access; last, thrifty's own reference stacks must come out clean.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.test_exposure import by_name
from thrifty.offline.analyzer_client import Analysis, analyze_recording, parse_policy_config
from thrifty.offline.recording import Recording, record_program, record_stack
from thrifty.policies.core import Finding, FindingKind, Resource
from thrifty.policies.exposure import ExposureConfig, check_public_or_unencrypted_storage
from thrifty.preview import UNKNOWN

REPO_ROOT = Path(__file__).resolve().parents[1]
PACK_DIR = REPO_ROOT / "policies"
POLICY = "public-or-unencrypted-storage"

CLOUD_SQL = "gcp:sql/databaseInstance:DatabaseInstance"
SQL_FIREWALL = "azure-native:sql:FirewallRule"
SQL_FIREWALL_V6 = "azure-native:sql:IPv6FirewallRule"
SQL_TDE = "azure-native:sql:TransparentDataEncryption"
SQL_SERVER = "azure-native:sql:Server"
PG_FLEX = "azure-native:dbforpostgresql:Server"
PG_FIREWALL = "azure-native:dbforpostgresql:FirewallRule"
PG_SINGLE = "azure-native:dbforpostgresql:SingleServer"
PG_SINGLE_FIREWALL = "azure-native:dbforpostgresql:SingleServerFirewallRule"
MYSQL_FLEX = "azure-native:dbformysql:Server"
MYSQL_FIREWALL = "azure-native:dbformysql:FirewallRule"
MYSQL_SINGLE = "azure-native:dbformysql:SingleServer"
MYSQL_SINGLE_FIREWALL = "azure-native:dbformysql:SingleServerFirewallRule"
MARIADB = "azure-native:dbformariadb:Server"
MARIADB_FIREWALL = "azure-native:dbformariadb:FirewallRule"
AZ_ACCOUNT = "azure-native:storage:StorageAccount"

FORBID = ExposureConfig(forbid_shared_key_access=True)
IP = "settings.ipConfiguration"


def judge(
    type_token: str, props: Mapping[str, Any], config: ExposureConfig | None = None
) -> list[Finding]:
    resource = Resource(type=type_token, props=props, urn=f"urn:pulumi:dev::t::{type_token}::r")
    return check_public_or_unencrypted_storage(resource, config or ExposureConfig())


def cloud_sql(**ip_configuration: Any) -> dict[str, Any]:
    """A Cloud SQL instance's props with ``settings.ipConfiguration`` as given."""
    return {
        "databaseVersion": "POSTGRES_15",
        "settings": {"tier": "db-f1-micro", "ipConfiguration": ip_configuration},
    }


def rule(start: str, end: str) -> dict[str, Any]:
    return {
        "resourceGroupName": "rg",
        "serverName": "db",
        "startIpAddress": start,
        "endIpAddress": end,
    }


def single_server(**properties: Any) -> dict[str, Any]:
    return {"resourceGroupName": "rg", "properties": {"createMode": "Default", **properties}}


ANYONE = [{"name": "anywhere", "value": "0.0.0.0/0"}]
OFFICE = [{"name": "office", "value": "203.0.113.0/24"}]
ALL_V6 = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"


# --- The rule over props ------------------------------------------------------------------------

#: (type, props, words each message must contain: the property, its value, what to set)
BAD = [
    pytest.param(
        CLOUD_SQL,
        cloud_sql(authorizedNetworks=ANYONE, sslMode="ENCRYPTED_ONLY"),
        [
            [
                f"{IP}.authorizedNetworks.0 ('anywhere') value '0.0.0.0/0'",
                "every address on the internet",
                f"set {IP}.ipv4Enabled to false",
            ]
        ],
        id="cloud-sql-open-to-anyone-default-public-ip",
    ),
    pytest.param(
        CLOUD_SQL,
        cloud_sql(
            ipv4Enabled=True,
            authorizedNetworks=[*OFFICE, {"value": "::/0"}],
            sslMode="TRUSTED_CLIENT_CERTIFICATE_REQUIRED",
        ),
        [[f"{IP}.authorizedNetworks.1 value '::/0'", "your clients' ranges"]],
        id="cloud-sql-open-to-all-ipv6",
    ),
    pytest.param(
        CLOUD_SQL,
        cloud_sql(authorizedNetworks=OFFICE),
        [
            [
                f"{IP}.sslMode is unset",
                "'ALLOW_UNENCRYPTED_AND_ENCRYPTED'",
                "accepts unencrypted connections",
                f"set {IP}.sslMode to 'ENCRYPTED_ONLY'",
            ]
        ],
        id="cloud-sql-default-ssl-mode-on-public-ip",
    ),
    pytest.param(
        CLOUD_SQL,
        cloud_sql(authorizedNetworks=OFFICE, sslMode="ALLOW_UNENCRYPTED_AND_ENCRYPTED"),
        [[f"{IP}.sslMode 'ALLOW_UNENCRYPTED_AND_ENCRYPTED' accepts", "'ENCRYPTED_ONLY'"]],
        id="cloud-sql-explicit-plaintext",
    ),
    pytest.param(
        CLOUD_SQL,
        cloud_sql(authorizedNetworks=ANYONE),
        [["value '0.0.0.0/0'"], [f"{IP}.sslMode is unset"]],
        id="cloud-sql-open-and-plaintext",
    ),
    pytest.param(
        SQL_FIREWALL,
        rule("0.0.0.0", "255.255.255.255"),
        [
            [
                "startIpAddress '0.0.0.0' to endIpAddress '255.255.255.255'",
                "every address on the internet",
                "set them to your clients' addresses",
            ]
        ],
        id="azure-sql-firewall-all-open",
    ),
    pytest.param(
        SQL_FIREWALL,
        rule("0.0.0.0", "0.0.0.0"),
        [
            [
                "startIpAddress '0.0.0.0' to endIpAddress '0.0.0.0'",
                "'allow Azure services'",
                "every Azure customer",
                "delete the rule",
            ]
        ],
        id="azure-sql-allow-azure-services",
    ),
    pytest.param(
        SQL_FIREWALL_V6,
        {"serverName": "db", "startIPv6Address": "::", "endIPv6Address": ALL_V6},
        [["startIPv6Address '::' to endIPv6Address", "every address on the internet"]],
        id="azure-sql-ipv6-firewall-all-open",
    ),
    pytest.param(
        SQL_TDE,
        {"databaseName": "app", "serverName": "db", "tdeName": "current", "state": "Disabled"},
        [["state 'Disabled'", "unencrypted at rest", "set state to 'Enabled'"]],
        id="azure-sql-tde-disabled",
    ),
    pytest.param(
        PG_FIREWALL,
        rule("0.0.0.0", "255.255.255.255"),
        [["startIpAddress '0.0.0.0' to endIpAddress '255.255.255.255'"]],
        id="postgres-flexible-firewall-all-open",
    ),
    pytest.param(
        PG_FIREWALL,
        rule("0.0.0.0", "0.0.0.0"),
        [["'allow Azure services'"]],
        id="postgres-flexible-allow-azure-services",
    ),
    pytest.param(
        PG_SINGLE_FIREWALL,
        rule("0.0.0.0", "255.255.255.255"),
        [["every address on the internet"]],
        id="postgres-single-firewall-all-open",
    ),
    pytest.param(
        PG_SINGLE,
        single_server(sslEnforcement="Disabled"),
        [
            [
                "properties.sslEnforcement 'Disabled'",
                "without TLS",
                "set properties.sslEnforcement to 'Enabled'",
            ]
        ],
        id="postgres-single-ssl-off",
    ),
    pytest.param(
        MYSQL_FIREWALL,
        rule("0.0.0.0", "255.255.255.255"),
        [["every address on the internet"]],
        id="mysql-flexible-firewall-all-open",
    ),
    pytest.param(
        MYSQL_SINGLE_FIREWALL,
        rule("0.0.0.0", "0.0.0.0"),
        [["'allow Azure services'"]],
        id="mysql-single-allow-azure-services",
    ),
    pytest.param(
        MYSQL_SINGLE,
        single_server(sslEnforcement="Disabled"),
        [["properties.sslEnforcement 'Disabled'"]],
        id="mysql-single-ssl-off",
    ),
    pytest.param(
        MARIADB_FIREWALL,
        rule("0.0.0.0", "255.255.255.255"),
        [["every address on the internet"]],
        id="mariadb-firewall-all-open",
    ),
    pytest.param(
        MARIADB,
        single_server(sslEnforcement="Disabled"),
        [["properties.sslEnforcement 'Disabled'"]],
        id="mariadb-ssl-off",
    ),
]

GOOD = [
    pytest.param(
        CLOUD_SQL, cloud_sql(authorizedNetworks=OFFICE, sslMode="ENCRYPTED_ONLY"), id="sql-narrow"
    ),
    pytest.param(
        CLOUD_SQL,
        cloud_sql(
            ipv4Enabled=False,
            privateNetwork="projects/p/global/networks/vpc",
            authorizedNetworks=ANYONE,
        ),
        id="cloud-sql-private-ip-only",
    ),
    pytest.param(CLOUD_SQL, cloud_sql(), id="cloud-sql-public-ip-without-networks"),
    pytest.param(CLOUD_SQL, {"databaseVersion": "MYSQL_8_0"}, id="cloud-sql-no-settings"),
    pytest.param(SQL_FIREWALL, rule("203.0.113.5", "203.0.113.20"), id="azure-sql-narrow"),
    pytest.param(SQL_FIREWALL, rule("0.0.0.0", "127.255.255.255"), id="azure-sql-half"),
    pytest.param(
        SQL_FIREWALL_V6,
        {"startIPv6Address": "2001:db8::1", "endIPv6Address": "2001:db8::ff"},
        id="azure-sql-ipv6-narrow",
    ),
    pytest.param(SQL_TDE, {"state": "Enabled", "databaseName": "app"}, id="azure-sql-tde-on"),
    pytest.param(PG_FIREWALL, rule("198.51.100.7", "198.51.100.7"), id="postgres-flexible-narrow"),
    pytest.param(PG_SINGLE_FIREWALL, rule("198.51.100.0", "198.51.100.255"), id="pg-single-narrow"),
    pytest.param(PG_SINGLE, single_server(sslEnforcement="Enabled"), id="postgres-single-ssl-on"),
    pytest.param(PG_SINGLE, single_server(), id="postgres-single-ssl-default"),
    pytest.param(MYSQL_FIREWALL, rule("10.1.0.4", "10.1.0.4"), id="mysql-flexible-narrow"),
    pytest.param(MYSQL_SINGLE_FIREWALL, rule("192.0.2.1", "192.0.2.9"), id="mysql-single-narrow"),
    pytest.param(MYSQL_SINGLE, single_server(sslEnforcement="Enabled"), id="mysql-single-ssl-on"),
    pytest.param(MARIADB_FIREWALL, rule("192.0.2.1", "192.0.2.1"), id="mariadb-narrow"),
    pytest.param(MARIADB, single_server(sslEnforcement="Enabled"), id="mariadb-ssl-on"),
]


@pytest.mark.parametrize(("type_token", "props", "messages"), BAD)
def test_exposed_databases_are_flagged_naming_property_value_and_fix(
    type_token: str, props: Mapping[str, Any], messages: list[list[str]]
) -> None:
    findings = judge(type_token, props)
    assert [finding.kind for finding in findings] == [FindingKind.VIOLATION] * len(messages)
    for finding, words in zip(findings, messages, strict=True):
        for word in words:
            assert word in finding.message, (word, finding.message)


@pytest.mark.parametrize(("type_token", "props"), GOOD)
def test_private_or_encrypted_databases_pass(type_token: str, props: Mapping[str, Any]) -> None:
    assert judge(type_token, props) == []


@pytest.mark.parametrize(
    ("type_token", "props"),
    [
        (SQL_SERVER, {"publicNetworkAccess": "Enabled", "minimalTlsVersion": "1.2"}),
        (SQL_SERVER, {"administratorLogin": "admin"}),
        (PG_FLEX, {"network": {"publicNetworkAccess": "Enabled"}, "version": "16"}),
        (MYSQL_FLEX, {"network": {"publicNetworkAccess": "Enabled"}}),
    ],
)
def test_a_public_endpoint_alone_is_not_exposure(type_token: str, props: Mapping[str, Any]) -> None:
    """The endpoint denies everyone until a firewall rule admits them: the rule is judged."""
    assert judge(type_token, props) == []


@pytest.mark.parametrize(
    ("type_token", "props"),
    [
        (CLOUD_SQL, {"settings": {"tier": "db-custom-2-7680"}}),
        (CLOUD_SQL, {"databaseVersion": "POSTGRES_15"}),
        (AZ_ACCOUNT, {"kind": "StorageV2"}),
        (AZ_ACCOUNT, {"kind": "StorageV2", "allowSharedKeyAccess": False}),
    ],
)
def test_what_the_provider_encrypts_by_default_is_not_flagged(
    type_token: str, props: Mapping[str, Any]
) -> None:
    assert judge(type_token, props) == []


# --- Shared Key access, as configured ----------------------------------------------------------


def test_shared_key_access_is_flagged_only_where_policy_forbids_it() -> None:
    unset = {"kind": "StorageV2", "sku": {"name": "Standard_LRS"}}
    assert judge(AZ_ACCOUNT, unset) == []
    assert judge(AZ_ACCOUNT, {**unset, "allowSharedKeyAccess": True}) == []

    (finding,) = judge(AZ_ACCOUNT, unset, FORBID)
    assert finding.kind is FindingKind.VIOLATION
    assert "allowSharedKeyAccess unset (Azure treats it as true)" in finding.message
    assert "set allowSharedKeyAccess to false" in finding.message
    (explicit,) = judge(AZ_ACCOUNT, {**unset, "allowSharedKeyAccess": True}, FORBID)
    assert explicit.message.startswith("allowSharedKeyAccess true lets requests authorize")
    assert judge(AZ_ACCOUNT, {**unset, "allowSharedKeyAccess": False}, FORBID) == []


def test_the_config_key_is_camel_case_and_off_by_default() -> None:
    assert ExposureConfig().forbid_shared_key_access is False
    assert ExposureConfig.parse({"forbidSharedKeyAccess": True}) == FORBID
    schema = ExposureConfig.config_schema().properties
    assert schema["forbidSharedKeyAccess"]["default"] is False
    assert schema["forbidSharedKeyAccess"]["type"] == "boolean"
    assert "Shared Key" in schema["forbidSharedKeyAccess"]["description"]


def test_shared_key_findings_sit_beside_the_other_account_checks() -> None:
    findings = judge(AZ_ACCOUNT, {"allowBlobPublicAccess": True}, FORBID)
    messages = sorted(finding.message.split(" ", 1)[0] for finding in findings)
    assert messages == ["allowBlobPublicAccess", "allowSharedKeyAccess"]


# --- Unknown and malformed values ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_token", "props", "reason", "config"),
    [
        (CLOUD_SQL, {"settings": UNKNOWN}, "settings is unknown", None),
        (
            CLOUD_SQL,
            cloud_sql(authorizedNetworks=[{"value": UNKNOWN}], sslMode="ENCRYPTED_ONLY"),
            "authorizedNetworks.0.value is unknown",
            None,
        ),
        (CLOUD_SQL, cloud_sql(authorizedNetworks=UNKNOWN), "authorizedNetworks is unknown", None),
        (
            CLOUD_SQL,
            cloud_sql(ipv4Enabled=UNKNOWN, authorizedNetworks=OFFICE, sslMode="ENCRYPTED_ONLY"),
            "ipv4Enabled is unknown",
            None,
        ),
        (
            CLOUD_SQL,
            cloud_sql(authorizedNetworks=OFFICE, sslMode=UNKNOWN),
            "sslMode is unknown",
            None,
        ),
        (SQL_FIREWALL, rule(UNKNOWN, "255.255.255.255"), "startIpAddress is unknown", None),
        (PG_FIREWALL, rule("0.0.0.0", UNKNOWN), "endIpAddress is unknown", None),
        (SQL_FIREWALL_V6, {"startIPv6Address": "::", "endIPv6Address": UNKNOWN}, "endIPv6", None),
        (SQL_TDE, {"state": UNKNOWN}, "state is unknown", None),
        (PG_SINGLE, single_server(sslEnforcement=UNKNOWN), "sslEnforcement is unknown", None),
        (MYSQL_SINGLE, {"properties": UNKNOWN}, "properties is unknown", None),
        (AZ_ACCOUNT, {"allowSharedKeyAccess": UNKNOWN}, "allowSharedKeyAccess is unknown", FORBID),
    ],
)
def test_values_unknown_during_preview_are_reported_as_unknown(
    type_token: str, props: Mapping[str, Any], reason: str, config: ExposureConfig | None
) -> None:
    findings = judge(type_token, props, config)
    assert findings, "an unknown value must never pass"
    assert {finding.kind for finding in findings} == {FindingKind.UNKNOWN}
    assert all("unknown during preview" in finding.message for finding in findings)
    assert reason in findings[0].message


def test_an_unknown_network_does_not_hide_a_known_open_one() -> None:
    props = cloud_sql(authorizedNetworks=[{"value": UNKNOWN}, *ANYONE], sslMode="ENCRYPTED_ONLY")
    (finding,) = judge(CLOUD_SQL, props)
    assert finding.kind is FindingKind.VIOLATION
    assert "authorizedNetworks.1 ('anywhere') value '0.0.0.0/0'" in finding.message


def test_an_unknown_shared_key_setting_is_not_looked_at_when_nothing_forbids_it() -> None:
    assert judge(AZ_ACCOUNT, {"allowSharedKeyAccess": UNKNOWN}) == []


@pytest.mark.parametrize(
    ("type_token", "props", "reason"),
    [
        (
            CLOUD_SQL,
            cloud_sql(authorizedNetworks=[{"value": "anywhere"}], sslMode="ENCRYPTED_ONLY"),
            "authorizedNetworks.0.value 'anywhere' is not an IP address or CIDR range",
        ),
        (
            CLOUD_SQL,
            cloud_sql(authorizedNetworks=[{"name": "x"}], sslMode="ENCRYPTED_ONLY"),
            "authorizedNetworks.0.value is missing",
        ),
        (CLOUD_SQL, cloud_sql(ipv4Enabled="yes", authorizedNetworks=ANYONE), "should be a boolean"),
        (
            CLOUD_SQL,
            cloud_sql(authorizedNetworks=OFFICE, sslMode="REQUIRED"),
            "sslMode 'REQUIRED' is not one of 'ALLOW_UNENCRYPTED_AND_ENCRYPTED'",
        ),
        (SQL_FIREWALL, rule("0.0.0.0/0", "255.255.255.255"), "'0.0.0.0/0' is not an IP address"),
        (SQL_FIREWALL, {"endIpAddress": "255.255.255.255"}, "startIpAddress is missing"),
        (MYSQL_FIREWALL, {"startIpAddress": 0, "endIpAddress": "1.2.3.4"}, "should be a string"),
        (SQL_TDE, {"databaseName": "app"}, "state is missing"),
        (AZ_ACCOUNT, {"allowSharedKeyAccess": "sometimes"}, "should be a boolean"),
    ],
)
def test_malformed_values_are_not_checkable(
    type_token: str, props: Mapping[str, Any], reason: str
) -> None:
    findings = judge(type_token, props, FORBID)
    assert findings, "a malformed value must never pass"
    assert {finding.kind for finding in findings} == {FindingKind.NOT_CHECKABLE}, findings
    assert reason in findings[0].message


# --- A real program, recorded, through the pack over gRPC --------------------------------------

CONFIG = {
    "gcp:project": "churn-dev",
    "gcp:region": "us-central1",
    "azure-native:location": "eastus",
}


def databases_program() -> None:
    import pulumi_azure_native as azure_native
    import pulumi_gcp as gcp

    gcp.sql.DatabaseInstance(
        "open-sql",
        database_version="POSTGRES_15",
        settings={
            "tier": "db-f1-micro",
            "ip_configuration": {
                "authorized_networks": [{"name": "anywhere", "value": "0.0.0.0/0"}],
                "ssl_mode": "ENCRYPTED_ONLY",
            },
        },
    )
    gcp.sql.DatabaseInstance(
        "private-sql",
        database_version="POSTGRES_15",
        settings={
            "tier": "db-f1-micro",
            "ip_configuration": {
                "ipv4_enabled": False,
                "private_network": "projects/churn-dev/global/networks/vpc",
            },
        },
    )
    # The egress address is known only once it exists: unknown during preview.
    egress = gcp.compute.Address("egress", region="us-central1")
    gcp.sql.DatabaseInstance(
        "computed-sql",
        database_version="MYSQL_8_0",
        settings={
            "tier": "db-f1-micro",
            "ip_configuration": {
                "authorized_networks": [{"value": egress.address.apply(lambda a: f"{a}/32")}],
                "ssl_mode": "ENCRYPTED_ONLY",
            },
        },
    )

    server = azure_native.sql.Server(
        "sql", resource_group_name="rg", public_network_access="Enabled", minimal_tls_version="1.2"
    )
    azure_native.sql.FirewallRule(
        "all-open",
        resource_group_name="rg",
        server_name=server.name,
        start_ip_address="0.0.0.0",
        end_ip_address="255.255.255.255",
    )
    azure_native.sql.FirewallRule(
        "azure-services",
        resource_group_name="rg",
        server_name=server.name,
        start_ip_address="0.0.0.0",
        end_ip_address="0.0.0.0",
    )
    azure_native.sql.FirewallRule(
        "office",
        resource_group_name="rg",
        server_name=server.name,
        start_ip_address="203.0.113.0",
        end_ip_address="203.0.113.255",
    )
    azure_native.sql.TransparentDataEncryption(
        "tde-off",
        resource_group_name="rg",
        server_name=server.name,
        database_name="app",
        tde_name="current",
        state=azure_native.sql.TransparentDataEncryptionState.DISABLED,
    )
    postgres = azure_native.dbforpostgresql.Server(
        "pg", resource_group_name="rg", version="16", network={"public_network_access": "Enabled"}
    )
    azure_native.dbforpostgresql.FirewallRule(
        "pg-all-open",
        resource_group_name="rg",
        server_name=postgres.name,
        start_ip_address="0.0.0.0",
        end_ip_address="255.255.255.255",
    )
    gateway = azure_native.network.PublicIPAddress("gateway", resource_group_name="rg")
    azure_native.dbforpostgresql.FirewallRule(
        "pg-computed",
        resource_group_name="rg",
        server_name=postgres.name,
        start_ip_address=gateway.ip_address.apply(lambda a: a or ""),
        end_ip_address=gateway.ip_address.apply(lambda a: a or ""),
    )
    azure_native.storage.StorageAccount(
        "keyed",
        resource_group_name="rg",
        kind="StorageV2",
        sku={"name": "Standard_LRS"},
        allow_blob_public_access=False,
    )
    azure_native.storage.StorageAccount(
        "keyless",
        resource_group_name="rg",
        kind="StorageV2",
        sku={"name": "Standard_LRS"},
        allow_blob_public_access=False,
        allow_shared_key_access=False,
    )


@pytest.fixture(scope="module")
def recording() -> Recording:
    return record_program(databases_program, config=CONFIG, preview=True)


@pytest.fixture(scope="module")
def analysis(recording: Recording) -> Analysis:
    return analyze_recording(recording, PACK_DIR, stack_config=CONFIG)


@pytest.fixture(scope="module")
def forbidding(recording: Recording) -> Analysis:
    config = parse_policy_config({POLICY: {"forbidSharedKeyAccess": True}})
    return analyze_recording(recording, PACK_DIR, config, stack_config=CONFIG)


def test_the_pack_publishes_the_config_key(analysis: Analysis) -> None:
    schema = analysis.info.policy(POLICY).config_schema
    assert schema["forbidSharedKeyAccess"]["default"] is False


def test_exposed_databases_of_a_recorded_program_are_mandatory_violations(
    analysis: Analysis,
) -> None:
    found = by_name(analysis)
    expected = {
        "open-sql": "authorizedNetworks.0 ('anywhere') value '0.0.0.0/0'",
        "all-open": "startIpAddress '0.0.0.0' to endIpAddress '255.255.255.255'",
        "azure-services": "'allow Azure services'",
        "tde-off": "state 'Disabled'",
        "pg-all-open": "endIpAddress '255.255.255.255'",
    }
    for name, words in expected.items():
        assert [(kind, level) for kind, level, _ in found.get(name, [])] == [
            ("violation", "mandatory")
        ], (name, found.get(name))
        assert words in found[name][0][2], (name, found[name])


def test_private_databases_and_default_accounts_of_a_recorded_program_pass(
    analysis: Analysis,
) -> None:
    found = by_name(analysis)
    for name in ("private-sql", "sql", "office", "pg", "keyed", "keyless"):
        assert name not in found, (name, found.get(name))


def test_values_unknown_during_preview_are_unknown_not_passed_over_grpc(
    analysis: Analysis,
) -> None:
    found = by_name(analysis)
    for name, words in (("computed-sql", "value is unknown"), ("pg-computed", "IpAddress")):
        assert [(kind, level) for kind, level, _ in found[name]] == [("unknown", "advisory")]
        assert "during preview" in found[name][0][2] and words in found[name][0][2], found[name]


def test_a_policy_config_forbidding_shared_key_flags_only_keyed_accounts(
    analysis: Analysis, forbidding: Analysis
) -> None:
    found = by_name(forbidding)
    assert [(kind, level) for kind, level, _ in found["keyed"]] == [("violation", "mandatory")]
    assert "set allowSharedKeyAccess to false" in found["keyed"][0][2]
    assert "keyless" not in found
    others = {name: items for name, items in found.items() if name != "keyed"}
    assert others == by_name(analysis)


# --- thrifty's own reference stacks -------------------------------------------------------------


@pytest.mark.parametrize("stack", ["gcp-dev", "azure-dev"])
def test_the_reference_stacks_are_clean(stack: str) -> None:
    recording = record_stack(REPO_ROOT, stack)
    judged = [
        (resource, judge(resource.type, resource.inputs))
        for resource in recording.resources
        if not resource.is_provider
    ]
    assert judged, stack
    assert [(r.name, findings) for r, findings in judged if findings] == []
    # Forbidding Shared Key flags exactly the storage accounts, which leave it at Azure's default.
    forbidden = {
        r.type
        for r in recording.resources
        if judge(r.type, r.inputs, FORBID) != judge(r.type, r.inputs)
    }
    assert forbidden == ({AZ_ACCOUNT} if stack == "azure-dev" else set())
