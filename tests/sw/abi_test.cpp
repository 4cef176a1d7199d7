#include "sw/abi.h"

#include <gtest/gtest.h>

namespace mmusim::sw::abi {
namespace {

TEST(Abi, ErrnoNamesRoundTrip) {
  for (Errno e : {Errno::kEPERM, Errno::kENXIO, Errno::kEBADF, Errno::kEAGAIN, Errno::kENOMEM,
                  Errno::kEACCES, Errno::kEFAULT, Errno::kEBUSY, Errno::kEEXIST, Errno::kENODEV,
                  Errno::kEINVAL, Errno::kEOVERFLOW}) {
    EXPECT_EQ(errno_from_name(errno_name(e)), e);
  }
  EXPECT_EQ(errno_name(Errno::kEINVAL), "EINVAL");
  EXPECT_EQ(static_cast<int>(*errno_from_name("ENOMEM")), 12);
  EXPECT_FALSE(errno_from_name("EWHATEVER"));
}

TEST(Abi, FlagWordsHaveLinuxValues) {
  EXPECT_EQ(flag_value(FlagFamily::kProt, "PROT_EXEC"), 4);
  EXPECT_EQ(flag_value(FlagFamily::kMap, "MAP_FIXED_NOREPLACE"), 0x100000);
  EXPECT_EQ(flag_value(FlagFamily::kMap, "MAP_GROWSDOWN"), 0x100);
  EXPECT_EQ(flag_value(FlagFamily::kMremap, "MREMAP_DONTUNMAP"), 4);
  EXPECT_EQ(flag_value(FlagFamily::kMadvise, "MADV_NOHUGEPAGE"), 15);
  EXPECT_EQ(flag_value(FlagFamily::kMsync, "MS_SYNC"), 4);
  EXPECT_EQ(flag_value(FlagFamily::kOpen, "O_RDWR"), 2);
}

TEST(Abi, ZeroIsValidInEveryFamily) {
  for (FlagFamily f : {FlagFamily::kProt, FlagFamily::kMap, FlagFamily::kMremap,
                       FlagFamily::kMadvise, FlagFamily::kMsync, FlagFamily::kOpen})
    EXPECT_EQ(flag_value(f, "0"), 0);
}

TEST(Abi, RejectsNamesOfOtherFamiliesAndUnknownNames) {
  EXPECT_FALSE(flag_value(FlagFamily::kProt, "MAP_FIXED"));
  EXPECT_FALSE(flag_value(FlagFamily::kMap, "PROT_READ"));
  EXPECT_FALSE(flag_value(FlagFamily::kMap, "MAP_HUGETLB"));
  EXPECT_FALSE(flag_value(FlagFamily::kProt, "prot_read"));
}

}  // namespace
}  // namespace mmusim::sw::abi
