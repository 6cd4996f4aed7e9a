import LineLogin
import Testing
