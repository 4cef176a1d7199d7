// Page-table walker for the VMSAv8-64 stage-1 regime, 4 KB granule, 48-bit VA starting at
// level 0 (TCR_EL1.T0SZ = 16): the RTL twin of mmusim::PageTableWalker plus the permission
// check the model's Mmu applies to the walked entry.
//
// One walk at a time. Each level reads one 64-bit descriptor over a valid/ready memory
// interface (one request outstanding). A table descriptor folds its APTable/XNTable controls
// into the walk and moves to the next level; an invalid or reserved descriptor ends the walk
// with a translation fault; a bus error with a synchronous external abort on the walk (Arm ARM
// D8.3, D8.4). A leaf with AF == 0 raises an access-flag fault, or with HwAfUpdate is written
// back with AF set (FEAT_HAFDBS; a plain write, this walker being the only agent that updates
// descriptors during a walk) and used. The leaf becomes a translation (page size, output page,
// ASID, nG, AttrIndx, the MAIR memory type, effective permissions); a permission fault is
// reported alongside it, as the model caches the translation either way.
`include "mmu_assert.svh"

module mmu_ptw
  import mmu_pkg::*;
#(
  // Set the access flag in memory (write-back of the descriptor) instead of faulting on AF == 0.
  parameter bit HwAfUpdate = 1'b0
) (
  input  logic                clk_i,
  input  logic                rst_ni,

  // Walk request, with the regime registers it walks under.
  input  logic                req_valid_i,
  output logic                req_ready_o,
  input  logic [VaBits-1:0]   req_va_i,
  input  logic [AsidBits-1:0] req_asid_i,
  input  access_e             req_access_i,
  input  priv_el_e            req_el_i,
  input  logic [PaBits-1:0]   ttbr_i,   // TTBR0_EL1 table base; bits below 4 KB ignored
  input  logic [63:0]         mair_i,   // MAIR_EL1

  // Walk result, held until accepted.
  output logic                rsp_valid_o,
  input  logic                rsp_ready_i,
  output logic                rsp_entry_valid_o,  // a leaf with AF set: the entry may be cached
  output tlb_entry_t          rsp_entry_o,
  output fault_e              rsp_fault_o,        // FaultNone when the access is permitted
  output logic [1:0]          rsp_fault_level_o,
  output logic [31:0]         rsp_esr_o,

  // Descriptor reads (and, with HwAfUpdate, writes): one request outstanding.
  output logic                mem_req_valid_o,
  input  logic                mem_req_ready_i,
  output logic [PaBits-1:0]   mem_req_addr_o,
  output logic                mem_req_we_o,
  output logic [63:0]         mem_req_wdata_o,
  input  logic                mem_rsp_valid_i,
  input  logic [63:0]         mem_rsp_rdata_i,
  input  logic                mem_rsp_err_i       // bus error: external abort on the walk
);

  // Descriptor fields (model/arch/descriptor.h).
  localparam int unsigned DescValid    = 0;
  localparam int unsigned DescTable    = 1;   // table (L0-L2) or page (L3); 0: block
  localparam int unsigned DescAttrIdx  = 2;   // [4:2]
  localparam int unsigned DescAp       = 6;   // [7:6] AP[2:1]
  localparam int unsigned DescAf       = 10;
  localparam int unsigned DescNg       = 11;
  localparam int unsigned DescCont     = 52;  // contiguous hint
  localparam int unsigned DescPxn      = 53;
  localparam int unsigned DescUxn      = 54;
  localparam int unsigned DescPxnTable = 59;
  localparam int unsigned DescUxnTable = 60;
  localparam int unsigned DescApTable  = 61;  // [62:61]

  typedef enum logic [2:0] {
    StIdle,
    StWalkL0,
    StWalkL1,
    StWalkL2,
    StWalkL3,
    StAfUpdate,  // writing the leaf back with AF set
    StDone       // result held until rsp_ready_i
  } state_e;

  state_e                  state_q /* verilator public_flat_rd */, state_d;
  logic                    sent_q /* verilator public_flat_rd */, sent_d;  // request accepted
  logic [VaBits-1:0]       va_q, va_d;
  logic [AsidBits-1:0]     asid_q, asid_d;
  access_e                 access_q, access_d;
  priv_el_e                el_q, el_d;
  logic [63:0]             mair_q, mair_d;
  logic [PpnBits-1:0]      table_q, table_d;      // table being read
  table_attrs_t            inherited_q, inherited_d;
  logic [63:0]             desc_q, desc_d;        // the leaf
  logic [PaBits-1:0]       desc_addr_q, desc_addr_d;
  logic [1:0]              level_q, level_d;      // level of the leaf or of the fault
  fault_e                  walk_fault_q, walk_fault_d;

  ////////////////////////////
  // Descriptor decode      //
  ////////////////////////////

  logic [1:0] level;
  logic [8:0] index;
  logic       desc_valid, desc_table, desc_block, desc_leaf;
  logic [63:0] rdata;

  always_comb begin
    unique case (state_q)
      StWalkL0: level = 2'd0;
      StWalkL1: level = 2'd1;
      StWalkL2: level = 2'd2;
      default:  level = 2'd3;
    endcase
  end

  // VA bits translated at each level: L0 [47:39], L1 [38:30], L2 [29:21], L3 [20:12].
  always_comb begin
    unique case (level)
      2'd0:    index = va_q[47:39];
      2'd1:    index = va_q[38:30];
      2'd2:    index = va_q[29:21];
      default: index = va_q[20:12];
    endcase
  end

  // Level-0 blocks and level-3 entries with bits[1:0] == 0b01 are reserved: invalid (D8.3.1).
  assign rdata      = mem_rsp_rdata_i;
  assign desc_valid = rdata[DescValid];
  assign desc_table = desc_valid && rdata[DescTable] && level != 2'd3;
  assign desc_block = desc_valid && !rdata[DescTable] && level != 2'd0 && level != 2'd3;
  assign desc_leaf  = desc_block || (desc_valid && rdata[DescTable] && level == 2'd3);

  ////////////////////////////
  // Walk FSM               //
  ////////////////////////////

  always_comb begin
    state_d       = state_q;
    sent_d        = sent_q;
    va_d          = va_q;
    asid_d        = asid_q;
    access_d      = access_q;
    el_d          = el_q;
    mair_d        = mair_q;
    table_d       = table_q;
    inherited_d   = inherited_q;
    desc_d        = desc_q;
    desc_addr_d   = desc_addr_q;
    level_d       = level_q;
    walk_fault_d  = walk_fault_q;

    req_ready_o     = 1'b0;
    mem_req_valid_o = 1'b0;
    mem_req_addr_o  = {table_q, index, 3'b000};
    mem_req_we_o    = 1'b0;
    mem_req_wdata_o = desc_q;

    unique case (state_q)
      StIdle: begin
        req_ready_o = 1'b1;
        if (req_valid_i) begin
          va_d         = req_va_i;
          asid_d       = req_asid_i;
          access_d     = req_access_i;
          el_d         = req_el_i;
          mair_d       = mair_i;
          table_d      = ttbr_i[PaBits-1:12];
          inherited_d  = '0;
          walk_fault_d = FaultNone;
          sent_d       = 1'b0;
          state_d      = StWalkL0;
        end
      end

      StWalkL0, StWalkL1, StWalkL2, StWalkL3: begin
        mem_req_valid_o = ~sent_q;
        if (mem_req_valid_o && mem_req_ready_i) begin
          sent_d = 1'b1;
        end
        if (sent_q && mem_rsp_valid_i) begin
          sent_d      = 1'b0;
          level_d     = level;
          desc_d      = rdata;
          desc_addr_d = mem_req_addr_o;
          if (mem_rsp_err_i) begin
            walk_fault_d = FaultExternal;
            state_d      = StDone;
          end else if (desc_table) begin
            inherited_d.no_el0    = inherited_q.no_el0    | rdata[DescApTable];
            inherited_d.read_only = inherited_q.read_only | rdata[DescApTable + 1];
            inherited_d.pxn       = inherited_q.pxn       | rdata[DescPxnTable];
            inherited_d.uxn       = inherited_q.uxn       | rdata[DescUxnTable];
            table_d               = rdata[PaBits-1:12];
            state_d               = state_e'(state_q + 3'd1);
          end else if (!desc_leaf) begin
            walk_fault_d = FaultTranslation;
            state_d      = StDone;
          end else if (!rdata[DescAf] && HwAfUpdate) begin
            desc_d[DescAf] = 1'b1;
            state_d        = StAfUpdate;
          end else if (!rdata[DescAf]) begin
            walk_fault_d = FaultAccessFlag;  // D8.4: AF == 0 raises an Access flag fault
            state_d      = StDone;
          end else begin
            state_d = StDone;
          end
        end
      end

      StAfUpdate: begin
        mem_req_valid_o = ~sent_q;
        mem_req_addr_o  = desc_addr_q;
        mem_req_we_o    = 1'b1;
        if (mem_req_valid_o && mem_req_ready_i) begin
          sent_d = 1'b1;
        end
        if (sent_q && mem_rsp_valid_i) begin
          sent_d = 1'b0;
          if (mem_rsp_err_i) walk_fault_d = FaultExternal;
          state_d = StDone;
        end
      end

      StDone: begin
        if (rsp_ready_i) state_d = StIdle;
      end

      default: state_d = StIdle;
    endcase
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q      <= StIdle;
      sent_q       <= 1'b0;
      va_q         <= '0;
      asid_q       <= '0;
      access_q     <= AccRead;
      el_q         <= PrivEl0;
      mair_q       <= '0;
      table_q      <= '0;
      inherited_q  <= '0;
      desc_q       <= '0;
      desc_addr_q  <= '0;
      level_q      <= '0;
      walk_fault_q <= FaultNone;
    end else begin
      state_q      <= state_d;
      sent_q       <= sent_d;
      va_q         <= va_d;
      asid_q       <= asid_d;
      access_q     <= access_d;
      el_q         <= el_d;
      mair_q       <= mair_d;
      table_q      <= table_d;
      inherited_q  <= inherited_d;
      desc_q       <= desc_d;
      desc_addr_q  <= desc_addr_d;
      level_q      <= level_d;
      walk_fault_q <= walk_fault_d;
    end
  end

  ////////////////////////////
  // Result                 //
  ////////////////////////////

  tlb_entry_t entry;
  perm_t      leaf_perm;
  page_size_e leaf_size;
  fault_e     fault;

  // A level-3 page with the contiguous hint is one of 16 mapping an aligned 64 KB region the
  // TLB may hold as one (D8.6.1); blocks are 2 MB at level 2 and 1 GB at level 1.
  always_comb begin
    unique case (level_q)
      2'd1:    leaf_size = Size1G;
      2'd2:    leaf_size = Size2M;
      default: leaf_size = desc_q[DescCont] ? Size64K : Size4K;
    endcase
  end

  assign leaf_perm.ap  = ap_e'(desc_q[DescAp +: 2]);
  assign leaf_perm.pxn = desc_q[DescPxn];
  assign leaf_perm.uxn = desc_q[DescUxn];

  always_comb begin
    entry           = '0;
    entry.size      = leaf_size;
    entry.vpn       = va_q[VaBits-1:12] & vpn_mask(leaf_size);
    entry.ppn       = desc_q[PaBits-1:12] & vpn_mask(leaf_size);
    entry.level     = level_q;
    entry.asid      = asid_q;
    entry.is_global = ~desc_q[DescNg];
    entry.attr_idx  = desc_q[DescAttrIdx +: 3];
    entry.mem_type  = mair_mem_type(mair_q[{desc_q[DescAttrIdx +: 3], 3'b000} +: 8]);
    entry.perm      = apply_table_attrs(leaf_perm, inherited_q);
  end

  always_comb begin
    fault = walk_fault_q;
    if (walk_fault_q == FaultNone && !permits(entry.perm, access_q, el_q)) begin
      fault = FaultPermission;
    end
  end

  assign rsp_valid_o       = (state_q == StDone);
  assign rsp_entry_valid_o = (walk_fault_q == FaultNone);
  assign rsp_entry_o       = entry;
  assign rsp_fault_o       = fault;
  assign rsp_fault_level_o = level_q;
  assign rsp_esr_o         = esr(fault, level_q, access_q, el_q);

  // Address bits above 48 never reach the walker (the MMU faults them first), the VA offset
  // within a page is not translated, descriptor bits other than the decoded fields (SH, NS, DBM,
  // software bits, upper table address bits, NSTable) do not affect a stage-1 walk here.
  logic unused_bits;
  assign unused_bits = ^{va_q[11:0], ttbr_i[11:0], desc_q[63:55], desc_q[51:48], desc_q[9:8],
                         desc_q[5], desc_q[1:0], mem_rsp_rdata_i[63], mem_rsp_rdata_i[58:55],
                         mem_rsp_rdata_i[54:48], mem_rsp_rdata_i[11:0]};

  ////////////////////////////
  // Assertions             //
  ////////////////////////////

  // A response only comes for an accepted request.
  `MMU_ASSERT(RspOnlyWhenSent_A, !mem_rsp_valid_i || sent_q)
  `MMU_ASSERT(RequestStable_A, !(mem_req_valid_o && !mem_req_ready_i) ||
                               (state_d == state_q && !sent_d))
  `MMU_ASSERT_KNOWN(RspValidKnown_A, rsp_valid_o)
  `MMU_ASSERT_KNOWN(MemReqValidKnown_A, mem_req_valid_o)

endmodule
