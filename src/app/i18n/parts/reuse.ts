/** Messages of this feature (merged into the catalog by ../index.ts): papers reused from any counter or branch. */
export const vi = {
  reuse: {
    asking: 'Đang tìm giấy tờ công dân đã nộp ở các quầy và chi nhánh khác…',
    centre: 'Đã tìm cả giấy tờ công dân đã nộp ở các quầy và chi nhánh khác.',
    localOnly: {
      offline:
        'Không kết nối được trung tâm: chỉ gợi ý giấy tờ công dân đã nộp tại máy này. Giấy tờ nộp ở quầy hoặc chi nhánh khác chưa tìm được; cứ tiếp tục nhận hồ sơ, chụp giấy tờ như bình thường.',
      'not-enrolled':
        'Máy này chưa kết nối với trung tâm: chỉ gợi ý giấy tờ công dân đã nộp tại máy này. Cứ tiếp tục nhận hồ sơ; báo kỹ thuật viên để kết nối máy.',
      failed: 'Trung tâm chưa trả lời: chỉ gợi ý giấy tờ công dân đã nộp tại máy này. Cứ tiếp tục nhận hồ sơ, chụp giấy tờ như bình thường.',
    },
    fromCentre: '(nộp ở quầy hoặc chi nhánh khác; bản PDF sẽ được tải về từ trung tâm)',
    fetching: 'Đang tải bản PDF…',
  },
  errors: {
    reuse: {
      offline: 'Không tải được bản PDF vì mất kết nối với trung tâm. Hãy chụp lại giấy tờ này; hồ sơ vẫn nhận bình thường.',
      'not-found': 'Trung tâm không còn giữ giấy tờ này cho công dân. Hãy chụp lại giấy tờ này.',
      'rate-limited': 'Quầy này đã tải quá nhiều giấy tờ trong một phút. Chờ một lát rồi thử lại, hoặc chụp lại giấy tờ.',
      'pdf-mismatch': 'Bản PDF nhận về không đúng giấy tờ đã liệt kê nên không được dùng. Hãy chụp lại giấy tờ này và báo kỹ thuật viên.',
      failed: 'Không tải được bản PDF từ trung tâm. Hãy chụp lại giấy tờ này; nếu lỗi lặp lại, báo kỹ thuật viên.',
    },
    dossier: {
      'reuse-not-fetched': 'Giấy tờ dùng lại từ quầy hoặc chi nhánh khác chưa được tải về. Bấm “Dùng lại” một lần nữa, hoặc chụp lại giấy tờ.',
    },
  },
} as const;

type Widen<T> = { -readonly [K in keyof T]: T[K] extends string ? string : Widen<T[K]> };
export const en: Widen<typeof vi> = {
  reuse: {
    asking: 'Looking for papers the citizen gave at other counters and branches…',
    centre: 'Papers the citizen gave at other counters and branches are included.',
    localOnly: {
      offline:
        'The centre cannot be reached: only papers the citizen gave at this machine are offered. Papers given at other counters or branches could not be looked up; carry on and scan papers as usual.',
      'not-enrolled':
        'This machine is not connected to the centre: only papers the citizen gave at this machine are offered. Carry on; ask a technician to connect it.',
      failed: 'The centre did not answer: only papers the citizen gave at this machine are offered. Carry on and scan papers as usual.',
    },
    fromCentre: '(given at another counter or branch; its PDF is downloaded from the centre)',
    fetching: 'Downloading the PDF…',
  },
  errors: {
    reuse: {
      offline: 'The PDF could not be downloaded: the centre cannot be reached. Scan this paper instead; the dossier is received as usual.',
      'not-found': 'The centre no longer holds this paper for the citizen. Scan it instead.',
      'rate-limited': 'This counter downloaded too many papers in a minute. Wait a moment and try again, or scan the paper.',
      'pdf-mismatch': 'The PDF received is not the listed paper, so it is not used. Scan this paper instead and tell a technician.',
      failed: 'The PDF could not be downloaded from the centre. Scan this paper instead; if it happens again, tell a technician.',
    },
    dossier: {
      'reuse-not-fetched': 'A paper reused from another counter or branch was not downloaded. Press “Reuse” again, or scan the paper.',
    },
  },
};
