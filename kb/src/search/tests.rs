use super::*;

fn doc(id: i64, slug: &str, lang: &str, title: &str, tags: &[&str], text: &str) -> Doc {
    Doc {
        id,
        slug: slug.into(),
        lang: lang.into(),
        title: title.into(),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        text: text.into(),
    }
}

fn corpus() -> Index {
    Index::new([
        doc(
            1,
            "password-reset",
            "en",
            "I forgot my password",
            &["password", "sign in"],
            "Press Forgot password? on the sign-in page and open the link we email you.",
        ),
        doc(
            2,
            "delivery-times",
            "en",
            "How long does delivery take?",
            &["delivery", "shipping"],
            "Tbilisi 1-2 working days, the rest of Georgia 2-4 days.",
        ),
        doc(
            3,
            "password-reset",
            "ka",
            "დამავიწყდა პაროლი",
            &["პაროლი", "შესვლა"],
            "შესვლის გვერდზე დააჭირეთ „დაგავიწყდათ პაროლი?“ და გახსენით ბმული, რომელსაც ელფოსტით გამოგიგზავნით.",
        ),
        doc(
            4,
            "delivery-times",
            "ka",
            "რამდენ ხანში მოვა შეკვეთა?",
            &["მიწოდება", "კურიერი"],
            "თბილისში მიწოდება 1-2 სამუშაო დღეში ხდება.",
        ),
        doc(
            5,
            "password-reset",
            "hy",
            "Մոռացել եմ գաղտնաբառը",
            &["գաղտնաբառ", "մուտք"],
            "Մուտքի էջում սեղմեք «Մոռացե՞լ եք գաղտնաբառը» և բացեք հղումը, որը կուղարկենք էլ. փոստով։",
        ),
        doc(
            6,
            "email-not-arriving",
            "hy",
            "Ինչո՞ւ չի գալիս նամակը",
            &["նամակ", "էլ. փոստ"],
            "Սպասեք 5 րոպե և ստուգեք «Սպամ» թղթապանակը։",
        ),
    ])
}

fn ids(index: &Index, query: &str, lang: &str) -> Vec<i64> {
    index.search(query, lang, 5).iter().map(|h| h.id).collect()
}

#[test]
fn a_partial_georgian_word_finds_the_georgian_article() {
    assert_eq!(ids(&corpus(), "პაროლ", "ka").first(), Some(&3));
}

#[test]
fn georgian_case_endings_and_postpositions_match() {
    let index = corpus();
    for query in [
        "პაროლის აღდგენა",
        "პაროლზე ",
        "პაროლით ",
        "შეკვეთის მიწოდებაზე ",
    ] {
        let found = ids(&index, query, "ka");
        assert!(
            found.first() == Some(&3) || found.first() == Some(&4),
            "{query}: {found:?}"
        );
    }
    assert_eq!(ids(&index, "შეკვეთის ", "ka").first(), Some(&4));
}

#[test]
fn a_one_letter_typo_still_finds_it() {
    let index = corpus();
    assert_eq!(ids(&index, "პარილი ", "ka").first(), Some(&3));
    assert_eq!(ids(&index, "pasword ", "en").first(), Some(&1));
    assert_eq!(ids(&index, "delivey", "en").first(), Some(&2));
    assert_eq!(ids(&index, "գախտնաբառ ", "hy").first(), Some(&5));
}

#[test]
fn mtavruli_capitals_match() {
    assert_eq!(ids(&corpus(), "ᲞᲐᲠᲝᲚᲘ", "ka").first(), Some(&3));
}

#[test]
fn armenian_question_marks_inside_words_match() {
    let index = corpus();
    assert_eq!(
        ids(&index, "ինչո՞ւ չի գալիս նամակս", "hy").first(),
        Some(&6)
    );
    assert_eq!(ids(&index, "գաղտնաբառով ", "hy").first(), Some(&5));
}

#[test]
fn the_visitors_language_comes_first_and_each_article_once() {
    let index = corpus();
    // An English query from a Georgian visitor: English articles are all
    // that match, so they are shown.
    assert_eq!(ids(&index, "password", "ka"), [1]);
    // One slug is shown once, in the visitor's language when it matches there.
    let both = Index::new([
        doc(1, "p", "en", "password", &[], "password"),
        doc(2, "p", "ka", "password პაროლი", &[], "password"),
    ]);
    assert_eq!(ids(&both, "password", "ka"), [2]);
    assert_eq!(ids(&both, "password", "en"), [1]);
}

#[test]
fn unrelated_and_empty_queries_find_nothing() {
    let index = corpus();
    assert!(ids(&index, "zebra giraffe", "en").is_empty());
    // One word in three matched only by a typo is not an answer.
    assert!(ids(&index, "zebra giraffe pasword", "en").is_empty());
    assert!(ids(&index, "", "en").is_empty());
    assert!(ids(&Index::default(), "password", "en").is_empty());
}

#[test]
fn coverage_says_how_much_of_the_question_matched() {
    let index = corpus();
    let full = index.search("forgot password", "en", 1)[0];
    assert!(full.coverage > 0.9, "{full:?}");
    let half = index.search("password zebra", "en", 1)[0];
    assert!(half.coverage < 0.6, "{half:?}");
}

#[test]
fn stems_cut_common_endings_only() {
    assert_eq!(stem("პაროლის"), "პაროლ");
    assert_eq!(stem("შეკვეთაში"), "შეკვეთ");
    assert_eq!(stem("ჩაი"), "ჩაი");
    assert_eq!(stem("գաղտնաբառը"), "գաղտնաբառ");
    assert_eq!(stem("պատվերներից"), "պատվեր");
    assert_eq!(stem("addresses"), "address");
    assert_eq!(stem("address"), "address");
    assert_eq!(stem("tracking"), "track");
    assert_eq!(stem("codes"), "code");
}
