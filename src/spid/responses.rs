//! The IdP's response codes (TabellaMessaggiTokenRAO): type, code, message, HTTP status, and
//! who is told. The messages are the table's, in Italian, as the clerk and the citizen read them.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ResponseCode {
    Ok,
    UserExists,
    Unauthorized,
    BadRequest,
    TokenExists,
    InvalidToken,
    ExpiredToken,
    GenericError,
}

impl ResponseCode {
    pub const ALL: [ResponseCode; 8] = [
        ResponseCode::Ok,
        ResponseCode::UserExists,
        ResponseCode::Unauthorized,
        ResponseCode::BadRequest,
        ResponseCode::TokenExists,
        ResponseCode::InvalidToken,
        ResponseCode::ExpiredToken,
        ResponseCode::GenericError,
    ];

    pub fn code(self) -> u16 {
        match self {
            ResponseCode::Ok => 1,
            ResponseCode::UserExists => 2,
            ResponseCode::Unauthorized => 3,
            ResponseCode::BadRequest => 4,
            ResponseCode::TokenExists => 5,
            ResponseCode::InvalidToken => 6,
            ResponseCode::ExpiredToken => 7,
            ResponseCode::GenericError => 100,
        }
    }

    pub fn from_code(code: u64) -> Option<ResponseCode> {
        Self::ALL.into_iter().find(|c| u64::from(c.code()) == code)
    }

    /// The table's "Type".
    pub fn kind(self) -> &'static str {
        match self {
            ResponseCode::Ok => "Ok",
            ResponseCode::UserExists => "User Exists",
            ResponseCode::Unauthorized => "Unauthorized",
            ResponseCode::BadRequest => "Bad Request",
            ResponseCode::TokenExists => "Token Exists",
            ResponseCode::InvalidToken => "Invalid Token",
            ResponseCode::ExpiredToken => "expired token",
            ResponseCode::GenericError => "generic error",
        }
    }

    /// The table's "responseMessage", in Italian.
    pub fn message(self) -> &'static str {
        match self {
            ResponseCode::Ok => "richiesta autorizzata, token correttamente ricevuto.",
            ResponseCode::UserExists => {
                "spiacenti, per questo utente risulta già rilasciata un’identità digitale SPID."
            }
            ResponseCode::Unauthorized => {
                "spiacenti, la richiesta non è stata autorizzata in quanto è impossibile identificare l’autore del token."
            }
            ResponseCode::BadRequest => "spiacenti, il token non è utilizzabile in quanto danneggiato.",
            ResponseCode::TokenExists => "l’attuale richiesta è andata a buon fine sostituendo la precedente.",
            ResponseCode::InvalidToken => {
                "spiacenti, è stato superato il numero massimo di tentativi di inserimento della passphrase."
            }
            ResponseCode::ExpiredToken => {
                "spiacenti, sono passati più di 30 giorni dall’identificazione presso la P.A., il token è scaduto e non più utilizzabile."
            }
            ResponseCode::GenericError => "spiacenti, si è verificato un errore.",
        }
    }

    /// The table's HTTP status.
    pub fn http_status(self) -> u16 {
        match self {
            ResponseCode::Ok => 200,
            ResponseCode::UserExists => 403,
            ResponseCode::Unauthorized => 401,
            ResponseCode::BadRequest => 400,
            ResponseCode::TokenExists => 201,
            ResponseCode::InvalidToken | ResponseCode::ExpiredToken | ResponseCode::GenericError => 403,
        }
    }

    /// Did the IdP take the token (Ok, or Token Exists: the old one replaced)?
    pub fn accepted(self) -> bool {
        matches!(self, ResponseCode::Ok | ResponseCode::TokenExists)
    }
}
