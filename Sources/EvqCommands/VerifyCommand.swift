import ArgumentParser
import EvCore
import EvStorage

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every block of every segment (checksums, decompression, decoding).",
        discussion: "Exit code 1 names each damaged segment and block; 0 when all blocks are sound."
    )

    @OptionGroup var data: DataDirectoryOptions

    func run() async throws {
        let reader = try data.openReader()
        let report: LogReader.VerifyReport
        do {
            report = try reader.verify()
        } catch {
            writeStandardError("evq: verify failed: \(error)\n")
                        throw ExitCode(2)
        }
        let out = OutputStream()
        for corruption in report.corruptions {
            out.write("DAMAGED \(corruption)\n")
        }
        if let tail = report.incompleteTail {
            out.write(
                "note: \(tail.segment): incomplete block at byte \(tail.position) (\(tail.bytes) bytes): "
                    + "a write in progress, or a torn write that evqd truncates on its next start\n"
            )
        }
        out.write(
            "\(report.segments) segments, \(report.blocks) sound blocks, \(report.events) events, "
                + "\(report.bytes) bytes, \(report.corruptions.count) damaged\n"
        )
        out.flush()
        if !report.isClean { throw ExitCode(1) }
    }
}
