package stratum

import "fmt"

// Error is a stratum error reply: [code, message, null].
type Error struct {
	Code    int
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("stratum error %d: %s", e.Code, e.Message) }

// The stratum error codes miners understand.
const (
	CodeOther         = 20
	CodeJobNotFound   = 21
	CodeDuplicate     = 22
	CodeLowDifficulty = 23
	CodeUnauthorized  = 24
	CodeNotSubscribed = 25
)

// The errors every source and the server reply with. Use Errorf for a
// message with detail under one of these codes.
var (
	ErrOther         = &Error{CodeOther, "Other/Unknown"}
	ErrJobNotFound   = &Error{CodeJobNotFound, "Job not found"}
	ErrDuplicate     = &Error{CodeDuplicate, "Duplicate share"}
	ErrLowDifficulty = &Error{CodeLowDifficulty, "Low difficulty share"}
	ErrUnauthorized  = &Error{CodeUnauthorized, "Unauthorized worker"}
	ErrNotSubscribed = &Error{CodeNotSubscribed, "Not subscribed"}
)

// Errorf returns an error with code and a formatted message.
func Errorf(code int, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}
