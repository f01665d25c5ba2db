//! The plugin tables: documents with revisions and index queries, deliveries, notifications.

use store::{DocumentScope, NewNotification, NewPlugin, PutError, Store};

store::contract_tests!(
    documents_have_revisions_and_index_queries,
    notifications_are_counted_and_marked_read,
);

async fn plugin(store: &Store, name: &str) {
    store
        .upsert_plugin(
            &NewPlugin {
                name: name.into(),
                version: "1.0.0".into(),
                title: name.into(),
                description: String::new(),
                api_version: "0.2.0".into(),
                sha256: "00".into(),
                info: "{}".into(),
            },
            1,
        )
        .await
        .unwrap();
}

async fn documents_have_revisions_and_index_queries(store: &Store) {
    plugin(store, "p").await;
    let scope = DocumentScope {
        plugin: "p",
        scope_id: 7,
    };
    let by = |who: &str| vec![("author".to_owned(), who.to_owned())];
    assert_eq!(
        store
            .put_document(scope, "notes", "a", "1", &by("nia"), Some(0), 1)
            .await
            .unwrap(),
        1
    );
    assert!(matches!(
        store
            .put_document(scope, "notes", "a", "2", &by("nia"), Some(0), 1)
            .await,
        Err(PutError::Conflict(1))
    ));
    assert_eq!(
        store
            .put_document(scope, "notes", "a", "2", &by("yas"), Some(1), 2)
            .await
            .unwrap(),
        2
    );
    store
        .put_document(scope, "notes", "b", "3", &by("nia"), None, 2)
        .await
        .unwrap();
    store
        .put_document(scope, "notes", "c", "4", &by("nia"), None, 2)
        .await
        .unwrap();
    let nia = store
        .query_documents(scope, "notes", Some(("author", "nia")), None, 10)
        .await
        .unwrap();
    let keys: Vec<&str> = nia.iter().map(|d| d.key.as_str()).collect();
    assert_eq!(keys, ["b", "c"], "a's index entry moved to yas");
    let page = store
        .query_documents(scope, "notes", None, Some("a"), 1)
        .await
        .unwrap();
    assert_eq!(page[0].key, "b");
    assert_eq!(
        store
            .count_documents(scope, "notes", Some(("author", "nia")))
            .await
            .unwrap(),
        2
    );
    assert!(store.delete_document(scope, "notes", "b").await.unwrap());
    assert_eq!(
        store.count_documents(scope, "notes", None).await.unwrap(),
        2
    );
    let other = DocumentScope {
        plugin: "p",
        scope_id: 8,
    };
    assert_eq!(
        store.count_documents(other, "notes", None).await.unwrap(),
        0
    );
    // Removing the plugin removes its documents.
    assert!(store.delete_plugin("p").await.unwrap());
    assert_eq!(
        store.count_documents(scope, "notes", None).await.unwrap(),
        0
    );
}

async fn notifications_are_counted_and_marked_read(store: &Store) {
    let org = store
        .create_organisation(
            &store::NewOrganisation {
                name: "Inbox Trust".into(),
                slug: "inbox-trust".into(),
                kind: "acute_trust".into(),
                region: None,
            },
            1,
        )
        .await
        .unwrap();
    let user = store
        .create_user(
            &store::NewUser {
                organisation_id: Some(org.id),
                email: "in@box.example".into(),
                display_name: "In Box".into(),
                password_hash: None,
                roles: vec!["learner".into()],
            },
            1,
        )
        .await
        .unwrap();
    let sent = store
        .notify_users(
            &[user.id],
            &NewNotification {
                organisation_id: Some(org.id),
                source: "p",
                title: "Patch now",
                body: "**Today**",
                link: Some("/plugins/p/home"),
                urgent: false,
            },
            5,
        )
        .await
        .unwrap();
    assert_eq!(sent, 1);
    assert_eq!(store.unread_notifications(user.id).await.unwrap(), 1);
    let inbox = store.notifications_of(user.id, 10).await.unwrap();
    assert_eq!(inbox[0].title, "Patch now");
    assert!(store.newest_urgent_unread(user.id).await.unwrap().is_none());
    assert_eq!(store.mark_notifications_read(user.id, 6).await.unwrap(), 1);
    assert_eq!(store.unread_notifications(user.id).await.unwrap(), 0);

    // An urgent one is the banner until it is opened; opening marks it read and returns its link.
    store
        .notify_users(
            &[user.id],
            &NewNotification {
                organisation_id: Some(org.id),
                source: "p",
                title: "Critical advisory",
                body: "",
                link: Some("/plugins/p/advisory?id=1"),
                urgent: true,
            },
            7,
        )
        .await
        .unwrap();
    let banner = store
        .newest_urgent_unread(user.id)
        .await
        .unwrap()
        .expect("a banner");
    assert_eq!(banner.title, "Critical advisory");
    assert!(
        store
            .open_notification(user.id + 1, banner.id, 8)
            .await
            .unwrap()
            .is_none()
    );
    let opened = store
        .open_notification(user.id, banner.id, 8)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(opened.link.as_deref(), Some("/plugins/p/advisory?id=1"));
    assert!(store.newest_urgent_unread(user.id).await.unwrap().is_none());
}
