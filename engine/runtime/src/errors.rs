//! The error codes both standards define, with the strings `GetErrorString` returns.

use crate::Version;

/// One error code. SCORM 2004 and SCORM 1.2 number their errors differently; each variant knows both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    NoError,
    GeneralException,
    GeneralInitializationFailure,
    AlreadyInitialized,
    ContentInstanceTerminated,
    GeneralTerminationFailure,
    TerminationBeforeInitialization,
    TerminationAfterTermination,
    RetrieveDataBeforeInitialization,
    RetrieveDataAfterTermination,
    StoreDataBeforeInitialization,
    StoreDataAfterTermination,
    CommitBeforeInitialization,
    CommitAfterTermination,
    GeneralArgumentError,
    GeneralGetFailure,
    GeneralSetFailure,
    GeneralCommitFailure,
    UndefinedElement,
    UnimplementedElement,
    ValueNotInitialized,
    ReadOnly,
    WriteOnly,
    TypeMismatch,
    OutOfRange,
    DependencyNotEstablished,
    /// Setting `_children`, `_count` or `_version`.
    KeywordSet,
    // SCORM 1.2 only.
    InvalidArgument12,
    ElementCannotHaveChildren12,
    ElementNotAnArray12,
    NotInitialized12,
}

impl ErrorCode {
    /// The numeric code `GetLastError` returns for `version`.
    pub fn code(self, version: Version) -> u16 {
        match version {
            Version::Scorm2004 => self.code_2004(),
            Version::Scorm12 => self.code_12(),
        }
    }

    fn code_2004(self) -> u16 {
        use ErrorCode::*;
        match self {
            NoError => 0,
            GeneralException => 101,
            GeneralInitializationFailure => 102,
            AlreadyInitialized => 103,
            ContentInstanceTerminated => 104,
            GeneralTerminationFailure => 111,
            TerminationBeforeInitialization => 112,
            TerminationAfterTermination => 113,
            RetrieveDataBeforeInitialization => 122,
            RetrieveDataAfterTermination => 123,
            StoreDataBeforeInitialization => 132,
            StoreDataAfterTermination => 133,
            CommitBeforeInitialization => 142,
            CommitAfterTermination => 143,
            GeneralArgumentError | InvalidArgument12 => 201,
            GeneralGetFailure | ElementCannotHaveChildren12 | ElementNotAnArray12 => 301,
            NotInitialized12 => 301,
            GeneralSetFailure => 351,
            GeneralCommitFailure => 391,
            UndefinedElement => 401,
            UnimplementedElement => 402,
            ValueNotInitialized => 403,
            ReadOnly | KeywordSet => 404,
            WriteOnly => 405,
            TypeMismatch => 406,
            OutOfRange => 407,
            DependencyNotEstablished => 408,
        }
    }

    fn code_12(self) -> u16 {
        use ErrorCode::*;
        match self {
            NoError => 0,
            GeneralException
            | GeneralInitializationFailure
            | ContentInstanceTerminated
            | GeneralTerminationFailure
            | TerminationAfterTermination
            | RetrieveDataAfterTermination
            | StoreDataAfterTermination
            | CommitAfterTermination
            | GeneralGetFailure
            | GeneralSetFailure
            | GeneralCommitFailure
            | ValueNotInitialized
            | DependencyNotEstablished
            | AlreadyInitialized => 101,
            GeneralArgumentError | InvalidArgument12 | UndefinedElement => 201,
            ElementCannotHaveChildren12 => 202,
            ElementNotAnArray12 => 203,
            NotInitialized12
            | TerminationBeforeInitialization
            | RetrieveDataBeforeInitialization
            | StoreDataBeforeInitialization
            | CommitBeforeInitialization => 301,
            UnimplementedElement => 401,
            KeywordSet => 402,
            ReadOnly => 403,
            WriteOnly => 404,
            TypeMismatch | OutOfRange => 405,
        }
    }
}

/// `GetErrorString(code)`: the standard's short description, or `""` for a code the standard does not
/// define (`"001"` is not `"1"`: codes are compared as the exact decimal strings the standard lists).
pub fn error_string(version: Version, code: &str) -> &'static str {
    match version {
        Version::Scorm2004 => match code {
            "0" => "No Error",
            "101" => "General Exception",
            "102" => "General Initialization Failure",
            "103" => "Already Initialized",
            "104" => "Content Instance Terminated",
            "111" => "General Termination Failure",
            "112" => "Termination Before Initialization",
            "113" => "Termination After Termination",
            "122" => "Retrieve Data Before Initialization",
            "123" => "Retrieve Data After Termination",
            "132" => "Store Data Before Initialization",
            "133" => "Store Data After Termination",
            "142" => "Commit Before Initialization",
            "143" => "Commit After Termination",
            "201" => "General Argument Error",
            "301" => "General Get Failure",
            "351" => "General Set Failure",
            "391" => "General Commit Failure",
            "401" => "Undefined Data Model Element",
            "402" => "Unimplemented Data Model Element",
            "403" => "Data Model Element Value Not Initialized",
            "404" => "Data Model Element Is Read Only",
            "405" => "Data Model Element Is Write Only",
            "406" => "Data Model Element Type Mismatch",
            "407" => "Data Model Element Value Out Of Range",
            "408" => "Data Model Dependency Not Established",
            _ => "",
        },
        Version::Scorm12 => match code {
            "0" => "No error",
            "101" => "General exception",
            "201" => "Invalid argument error",
            "202" => "Element cannot have children",
            "203" => "Element not an array - cannot have count",
            "301" => "Not initialized",
            "401" => "Not implemented error",
            "402" => "Invalid set value, element is a keyword",
            "403" => "Element is read only",
            "404" => "Element is write only",
            "405" => "Incorrect data type",
            _ => "",
        },
    }
}
