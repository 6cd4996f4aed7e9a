import Testing
import LineLogin
