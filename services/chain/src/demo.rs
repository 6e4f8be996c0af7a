//! Example officials with development tokens, and a small demo data set for `chain up --demo`.

use chain_api::card::{CardInput, Income, Labour, MemberDetails};
use chain_api::funding::{Allocation, CreateAllocation};
use chain_api::identification::{Appraisal, Household, HouseholdKind, MemberInput, RegisterHousehold, Relation};
use chain_api::step::{Decision, Step};
use chain_api::{Principal, Role};
use chain_bus::Bus;
use chain_domain::{Jurisdiction, with_check_digit};
use chain_gateway::{Claims, SigningKey};

/// An example official.
#[derive(Debug, Clone, Copy)]
pub struct Official {
    /// Shell variable name for the token.
    pub var: &'static str,
    /// Token subject.
    pub subject: &'static str,
    /// Who it is.
    pub title: &'static str,
    /// Jurisdiction.
    pub jurisdiction: &'static str,
    /// Roles.
    pub roles: &'static [Role],
}

/// The officials `chain up` prints tokens for.
pub const OFFICIALS: &[Official] = &[
    Official {
        var: "CENTRAL",
        subject: "central-official",
        title: "central poverty-alleviation office",
        jurisdiction: "CN",
        roles: &[Role::Operator, Role::Approver, Role::Auditor, Role::Admin],
    },
    Official {
        var: "GUIZHOU",
        subject: "guizhou-official",
        title: "Guizhou province (52)",
        jurisdiction: "52",
        roles: &[Role::Operator, Role::Approver, Role::Auditor],
    },
    Official {
        var: "SINAN",
        subject: "sinan-official",
        title: "Sinan county (520624)",
        jurisdiction: "520624",
        roles: &[Role::Operator, Role::Approver, Role::Auditor],
    },
    Official {
        var: "TANGTOU",
        subject: "tangtou-official",
        title: "Tangtou township (520624101)",
        jurisdiction: "520624101",
        roles: &[Role::Operator, Role::Approver],
    },
    Official {
        var: "VILLAGE",
        subject: "sihebashi-operator",
        title: "Sihebashi village (520624101201)",
        jurisdiction: "520624101201",
        roles: &[Role::Operator],
    },
    Official {
        var: "SHIQIAN",
        subject: "shiqian-official",
        title: "Shiqian county (520623), a neighbour",
        jurisdiction: "520623",
        roles: &[Role::Operator, Role::Approver, Role::Auditor],
    },
    Official {
        var: "TONGREN",
        subject: "tongren-official",
        title: "Tongren city (5206)",
        jurisdiction: "5206",
        roles: &[Role::Operator, Role::Approver, Role::Auditor],
    },
    Official {
        var: "CENTRAL2",
        subject: "central-approver-2",
        title: "central poverty-alleviation office, a second approver",
        jurisdiction: "CN",
        roles: &[Role::Approver],
    },
    Official {
        var: "GUIZHOU2",
        subject: "guizhou-approver-2",
        title: "Guizhou province (52), a second approver",
        jurisdiction: "52",
        roles: &[Role::Approver],
    },
    Official {
        var: "VILLAGEHEAD",
        subject: "sihebashi-head",
        title: "Sihebashi village committee head (520624101201)",
        jurisdiction: "520624101201",
        roles: &[Role::Operator, Role::Approver],
    },
];

impl Official {
    /// The official as a principal.
    pub fn principal(&self) -> Principal {
        Principal {
            subject: self.subject.to_owned(),
            roles: self.roles.to_vec(),
            jurisdiction: Jurisdiction::parse(self.jurisdiction).expect("example jurisdictions are valid"),
        }
    }

    /// A token for the official, valid for `ttl_secs`.
    #[expect(clippy::disallowed_methods, reason = "token expiry is measured by the wall clock")]
    pub fn token(&self, key: &SigningKey, issuer: &str, audience: &str, ttl_secs: i64) -> String {
        let now = chrono::Utc::now().timestamp();
        key.sign(&Claims {
            sub: self.subject.to_owned(),
            iss: issuer.to_owned(),
            aud: audience.to_owned(),
            exp: now + ttl_secs,
            iat: Some(now),
            name: Some(self.title.to_owned()),
            roles: self.roles.to_vec(),
            jurisdiction: self.jurisdiction.to_owned(),
        })
    }
}

/// The example official with the given variable name.
pub fn official(var: &str) -> &'static Official {
    OFFICIALS.iter().find(|o| o.var == var).expect("a known example official")
}

/// Loads the demo data set through the services: three households in Tangtou township, registered
/// by the township (whose jurisdiction covers all three villages), two of them appraised and
/// verified by their village heads so that their first public notice is up; and central funds
/// allocated to Guizhou and on to Sinan. The notices run their 7 days on the engine's clock.
pub async fn load(bus: &Bus) -> anyhow::Result<()> {
    let township = official("TANGTOU").principal();
    let err = |p: chain_api::Problem| anyhow::anyhow!("demo data: {p}");
    let families = [
        ("520624101201", "杨", "illness", 210_000, "19750312001", "19780620002"),
        ("520624101202", "田", "lack_of_skills", 250_000, "19680905003", "19700101004"),
        ("520624101203", "冉", "disability", 180_000, "19820714005", "19850228006"),
    ];
    for (i, (village_code, surname, cause, income, head, spouse)) in families.iter().enumerate() {
        let req = RegisterHousehold {
            village: (*village_code).into(),
            year: 2016,
            kind: HouseholdKind::Ordinary,
            main_cause: (*cause).into(),
            other_causes: vec![],
            per_capita_income_fen: *income,
            members: vec![
                MemberInput {
                    name: format!("{surname}某"),
                    resident_id: with_check_digit(&format!("520624{head}")),
                    relation: Relation::Head,
                    details: MemberDetails { labour: Some(Labour::Ordinary), ..Default::default() },
                },
                MemberInput {
                    name: format!("{surname}某某"),
                    resident_id: with_check_digit(&format!("520624{spouse}")),
                    relation: Relation::Spouse,
                    details: MemberDetails { labour: Some(Labour::Ordinary), ..Default::default() },
                },
            ],
            card: CardInput {
                // Two working adults: the per-capita figure is half the net income.
                income: Some(Income { wages_fen: income * 2, ..Default::default() }),
                electricity: Some(true),
                ..Default::default()
            },
            adjustment: None,
        };
        let h: Household = bus.request("identification", "household.register", &township, &req).await.map_err(err)?;
        if i < 2 {
            let head = Principal {
                subject: format!("village-head-{village_code}"),
                roles: vec![Role::Approver],
                jurisdiction: Jurisdiction::parse(village_code).map_err(|e| anyhow::anyhow!("{e}"))?,
            };
            let appraisal = Appraisal { votes_for: 19, votes_against: 2, note: Some("demo".into()) };
            let _: Household = bus
                .request(
                    "identification",
                    "household.appraise",
                    &head,
                    &Step { id: h.id, expected_version: None, body: appraisal },
                )
                .await
                .map_err(err)?;
            let verify = Step { id: h.id, expected_version: None, body: Decision { note: Some("demo".into()) } };
            let _: Household = bus.request("identification", "household.verify", &head, &verify).await.map_err(err)?;
        }
    }
    let central = official("CENTRAL").principal();
    let guizhou = official("GUIZHOU").principal();
    let alloc = |to: &str, amount_fen| CreateAllocation {
        to: to.into(),
        year: 2016,
        amount_fen,
        fund: "central-special".into(),
        reason: "demo allocation".into(),
        transfer_id: None,
    };
    let _: Allocation =
        bus.request("funding", "allocation.create", &central, &alloc("52", 1_000_000_000)).await.map_err(err)?;
    let _: Allocation =
        bus.request("funding", "allocation.create", &guizhou, &alloc("520624", 50_000_000)).await.map_err(err)?;
    Ok(())
}
