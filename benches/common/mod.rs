//! What the benchmarks share.

/// Makes the OS user running the benchmark the first administrator of the database `config`
/// names, with every role, as on the embedded default (peer authentication); returns their id.
pub async fn bootstrap_me(config: &tokio_postgres::Config) -> String {
    let me = sportello::store::embedded::os_user().unwrap();
    sportello::operators::bootstrap(config, new_operator(&me)).await.unwrap();
    me
}

/// An operator of province TO with every role.
#[allow(dead_code)]
pub fn new_operator(id: &str) -> sportello::operators::NewOperator {
    sportello::operators::NewOperator {
        id: id.to_string(),
        full_name: "Benchmark".into(),
        ente: "CSI".into(),
        fse: false,
        provinces: vec!["TO".into()],
        municipalities: vec![],
        roles: sportello::domain::Role::ALL.to_vec(),
    }
}
