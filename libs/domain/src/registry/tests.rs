//! Unit tests for the embedded division registry, against the real national tree.

use super::*;

fn d(code: &str) -> Division {
    Division::parse(code).unwrap()
}

fn name(code: &str) -> Option<String> {
    registry().get(&d(code)).map(|info| info.name)
}

#[test]
fn the_tree_has_the_published_number_of_divisions_per_level() {
    let counts: Vec<usize> = Level::ALL.iter().map(|l| registry().count(*l)).collect();
    assert_eq!(counts, [31, 342, 2_978, 41_352, 620_573]);
}

#[test]
fn sinan_county_and_its_ancestors_have_their_official_names() {
    assert_eq!(name("52").as_deref(), Some("贵州省"));
    assert_eq!(name("5206").as_deref(), Some("铜仁市"));
    assert_eq!(name("520624").as_deref(), Some("思南县"));
    assert_eq!(name("520624101").as_deref(), Some("塘头镇"));
}

#[test]
fn a_real_village_in_tangtou_is_found() {
    let info = registry().get(&d("520624101201")).unwrap();
    assert_eq!(info.name, "泗河坝村村民委员会");
    assert_eq!(info.level, Level::Village);
}

#[test]
fn codes_that_are_well_formed_but_unused_do_not_exist() {
    for code in ["99", "5299", "520699", "520624999", "520624101999"] {
        assert!(!registry().exists(&d(code)), "{code}");
        assert_eq!(registry().get(&d(code)), None);
    }
}

#[test]
fn a_provinces_children_are_its_cities() {
    let cities = registry().children(&d("52"));
    assert_eq!(cities.len(), 9);
    assert!(cities.iter().all(|c| c.level == Level::City && d("52").is_parent_of(&c.code)));
    assert!(cities.iter().any(|c| c.name == "铜仁市"));
}

#[test]
fn a_citys_children_are_its_counties_in_code_order() {
    let counties = registry().children(&d("5206"));
    let codes: Vec<&str> = counties.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(codes.len(), 10);
    assert_eq!(codes.first(), Some(&"520602"));
    assert_eq!(codes.last(), Some(&"520628"));
    assert!(codes.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn a_countys_children_are_its_townships() {
    let townships = registry().children(&d("520624"));
    assert_eq!(townships.len(), 28);
    assert_eq!(townships[0].name, "思唐街道");
}

#[test]
fn a_townships_children_are_its_villages() {
    let villages = registry().children(&d("520624101"));
    assert_eq!(villages.len(), 31);
    assert!(villages.iter().all(|v| v.code.as_str().starts_with("520624101")));
    assert_eq!(villages.last().unwrap().name, "关中坝村村民委员会");
}

#[test]
fn a_village_and_an_unknown_division_have_no_children() {
    assert!(registry().children(&d("520624101201")).is_empty());
    assert!(registry().children(&d("5299")).is_empty());
}

#[test]
fn a_county_level_city_without_counties_keeps_its_townships() {
    // Dongguan (东莞市) has no counties: NBS lists it as county 441900 under city 4419.
    assert_eq!(name("441900").as_deref(), Some("东莞市"));
    assert_eq!(registry().children(&d("441900")).len(), 36);
}

#[test]
fn provinces_lists_all_thirty_one_in_code_order() {
    let provinces = registry().provinces();
    assert_eq!(provinces.len(), 31);
    assert_eq!(provinces[0].name, "北京市");
    assert_eq!(provinces[30].code, d("65"));
}

#[test]
fn path_runs_from_the_province_down_to_the_division_itself() {
    let path: Vec<String> = registry().path(&d("520624101201")).into_iter().map(|info| info.name).collect();
    assert_eq!(path, ["贵州省", "铜仁市", "思南县", "塘头镇", "泗河坝村村民委员会"]);
    assert_eq!(registry().path(&d("52")).len(), 1);
    assert!(registry().path(&d("520699")).is_empty());
}

#[test]
fn villages_are_parsed_only_when_first_needed() {
    let fresh = DivisionRegistry::load();
    assert!(fresh.exists(&d("520624101")));
    assert_eq!(fresh.children(&d("520624")).len(), 28);
    assert!(!fresh.villages_loaded());
    assert!(fresh.exists(&d("520624101201")));
    assert!(fresh.villages_loaded());
}

#[test]
fn division_info_serializes_with_code_name_and_level() {
    let info = registry().get(&d("520624")).unwrap();
    let json = serde_json::to_string(&info).unwrap();
    assert_eq!(json, r#"{"code":"520624","name":"思南县","level":"county"}"#);
}
